# SPDX-License-Identifier: AGPL-3.0-or-later
"""Requests for user data and preservation holds (spec/compliance.md §12).

A request is received, validated (the operator checks it is genuine and records any gag or
court-set delay), then answered with one outcome. The policy is configuration: which answers a
request may get (``allowed``) follows from its type, country and grounds alone, so a test can
check every rule. Every transition takes the time from the injected clock.
"""

from dataclasses import dataclass, replace
from enum import StrEnum

from sealbox.compliance.clock import Clock
from sealbox.compliance.errors import ComplianceError, InvalidTransition

DAY = 86_400
SHORT_TEXT = 300  # the register's limit for an authority's name and a legal instrument


class RequestType(StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    COURT_ORDER = "court_order"
    EMERGENCY = "emergency"
    PRIVATE = "private"
    DSA_ORDER = "dsa_order"  # an order under DSA Art. 9 (act) or Art. 10 (provide information)


class RequestState(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    ANSWERED = "answered"


class Outcome(StrEnum):
    PROVIDED = "provided"
    PARTLY_PROVIDED = "partly_provided"
    DECLINED = "declined"
    MLA_REFERRED = "mla_referred"  # "use mutual legal assistance"
    NO_DATA = "no_data"


class Restraint(StrEnum):
    GAG = "gag"  # a non-disclosure order
    COURT_DELAY = "court_delay"  # a delay of notice set by a court


# The fixed list of alleged offences (the transparency log carries only these, never free text).
OFFENCES = (
    "child_sexual_abuse",
    "terrorism",
    "violent_crime",
    "fraud",
    "cybercrime",
    "copyright",
    "drugs",
    "harassment",
    "other",
)
DISCLOSING = frozenset({Outcome.PROVIDED, Outcome.PARTLY_PROVIDED})
ANY_ANSWER = (Outcome.PROVIDED, Outcome.PARTLY_PROVIDED, Outcome.NO_DATA, Outcome.DECLINED)


@dataclass(frozen=True, slots=True)
class RequestPolicy:
    """The knobs of spec/compliance.md §12.2 (docs/compliance.md, "Requests for user data")."""

    # ISO 3166-1 alpha-2 of the country whose authorities are answered directly.
    home_country: str = "US"
    # Foreign countries answered directly too (a treaty or the operator's counsel says so).
    answered_countries: tuple[str, ...] = ()
    # Answer emergency requests (imminent danger of death or serious physical injury).
    emergency_requests: bool = True
    # Days after an emergency answer by which the user is told.
    emergency_notice_days: int = 90
    # Days a preservation hold lasts (18 U.S.C. §2703(f): 90, renewable once).
    hold_days: int = 90
    hold_renewals: int = 1

    def __post_init__(self) -> None:
        if len(self.home_country) != 2 or self.emergency_notice_days < 0 or self.hold_days < 1:
            raise ValueError("home_country is a two-letter code; day counts are positive")


@dataclass(frozen=True, slots=True)
class DataRequest:
    """One request, as the register records it (the times are Unix seconds)."""

    request_id: bytes
    type: RequestType
    country: str
    authority: str
    instrument: str  # the legal instrument (e.g. "18 U.S.C. §2703(d) order 24-123")
    offence: str  # one of OFFENCES
    data_asked: str
    account: bytes | None  # the user id the request names, if it names one of ours
    court_order: bool  # backed by an order of a court
    emergency_grounds: str  # for emergencies: the danger the requester describes
    received_at: int
    state: RequestState = RequestState.RECEIVED
    validated_at: int | None = None
    restraint: Restraint | None = None
    restraint_until: int | None = None
    notice_due_at: int | None = None
    notified_at: int | None = None
    outcome: Outcome | None = None
    data_disclosed: str = ""
    answered_at: int | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The answers the policy allows a request, and why in plain words."""

    allowed: tuple[Outcome, ...]
    reason: str


def new_request(
    request_id: bytes,
    fields: dict[str, object],
    clock: Clock,
) -> DataRequest:
    """A received request; refuses an unknown type, offence or country code."""
    try:
        kind = RequestType(str(fields["type"]))
    except ValueError as exc:
        raise ComplianceError("bad_request", f"unknown request type {fields['type']!r}") from exc
    if fields["offence"] not in OFFENCES:
        raise ComplianceError("bad_request", f"the offence is one of: {', '.join(OFFENCES)}")
    country = str(fields["country"]).upper()
    if len(country) != 2 or not country.isalpha():
        raise ComplianceError("bad_request", "the country is a two-letter ISO 3166-1 code")
    for name in ("authority", "instrument"):
        if not 0 < len(str(fields[name]).strip()) <= SHORT_TEXT:
            raise ComplianceError("bad_request", f"the {name} is 1 to {SHORT_TEXT} characters")
    account = fields.get("account")
    return DataRequest(
        request_id=request_id,
        type=kind,
        country=country,
        authority=str(fields["authority"]),
        instrument=str(fields["instrument"]),
        offence=str(fields["offence"]),
        data_asked=str(fields["data_asked"]),
        account=account if isinstance(account, bytes) else None,
        court_order=bool(fields.get("court_order", False)),
        emergency_grounds=str(fields.get("emergency_grounds", "")),
        received_at=int(clock.now()),
    )


def assess(request: DataRequest, policy: RequestPolicy) -> Assessment:
    """What the policy lets the operator answer (spec/compliance.md §12.2)."""
    declined = (Outcome.DECLINED,)
    if request.type is RequestType.PRIVATE and not request.court_order:
        return Assessment(declined, "a private request is declined without a court order")
    if request.type is RequestType.EMERGENCY:
        if not policy.emergency_requests:
            return Assessment(declined, "this service does not answer emergency requests")
        if not request.emergency_grounds.strip():
            return Assessment(
                declined,
                "an emergency request must describe an imminent danger "
                "of death or serious physical injury",
            )
        return Assessment(ANY_ANSWER, "an emergency: answered at once, the user told afterwards")
    foreign = request.country not in (policy.home_country, *policy.answered_countries)
    if foreign:
        return Assessment(
            (Outcome.MLA_REFERRED, Outcome.DECLINED),
            f"a request from {request.country}: use mutual legal assistance",
        )
    return Assessment(ANY_ANSWER, "the policy allows any answer")


def validate(
    request: DataRequest,
    clock: Clock,
    policy: RequestPolicy,
    restraint: Restraint | None = None,
    until: int | None = None,
) -> DataRequest:
    """The operator has checked the request is genuine; records a gag or court-set delay and
    when the user is to be told."""
    if request.state is not RequestState.RECEIVED:
        raise InvalidTransition(request.state.value, "validate")
    now = int(clock.now())
    if (restraint is None) != (until is None):
        raise ComplianceError("bad_request", "a gag or court delay needs the date it ends")
    if until is not None and until <= now:
        raise ComplianceError("bad_request", "the gag or court delay must end in the future")
    due: int | None
    if request.account is None:
        due = None  # nobody of ours to tell
    elif until is not None:
        due = until
    elif request.type is RequestType.EMERGENCY:
        due = now + policy.emergency_notice_days * DAY
    else:
        due = now  # advance notice: before anything is answered
    return replace(
        request,
        state=RequestState.VALIDATED,
        validated_at=now,
        restraint=restraint,
        restraint_until=until,
        notice_due_at=due,
    )


def answer(
    request: DataRequest, outcome: Outcome, disclosed: str, clock: Clock, policy: RequestPolicy
) -> DataRequest:
    """Record the answer; refuses one the policy does not allow, and a disclosure before the
    user was told when nothing holds their notice back."""
    if request.state is not RequestState.VALIDATED:
        raise InvalidTransition(request.state.value, "answer")
    assessment = assess(request, policy)
    if outcome not in assessment.allowed:
        raise ComplianceError(
            "policy_refuses", f"{outcome.value} is not allowed: {assessment.reason}"
        )
    if outcome in DISCLOSING:
        if not disclosed.strip():
            raise ComplianceError("bad_request", "name the data disclosed")
        if advance_notice_owed(request):
            raise ComplianceError(
                "notice_first",
                "the user must be told before their data is "
                "disclosed: run `admin requests notify` first",
            )
    elif disclosed.strip():
        raise ComplianceError("bad_request", f"an answer {outcome.value} discloses nothing")
    return replace(
        request,
        state=RequestState.ANSWERED,
        outcome=outcome,
        data_disclosed=disclosed,
        answered_at=int(clock.now()),
    )


def advance_notice_owed(request: DataRequest) -> bool:
    """True while the user is owed notice before any disclosure: an account is named, nothing
    holds the notice back (no gag, no court delay, no emergency) and it has not gone out."""
    return (
        request.account is not None
        and request.notified_at is None
        and request.restraint is None
        and request.type is not RequestType.EMERGENCY
    )


def notify(request: DataRequest, clock: Clock) -> DataRequest:
    """The user has been told; refused while a gag or court delay is in force."""
    now = int(clock.now())
    if request.state is RequestState.RECEIVED:
        raise InvalidTransition(request.state.value, "notify")
    if request.account is None:
        raise ComplianceError("bad_request", "the request names no account of this service")
    if request.notified_at is not None:
        raise ComplianceError("invalid_state", "the user has been told already")
    if request.restraint_until is not None and now < request.restraint_until:
        raise ComplianceError(
            "restrained", f"a {request.restraint} forbids telling the user until it ends"
        )
    return replace(request, notified_at=now)


def notice_due(request: DataRequest, now: int) -> bool:
    """The user is to be told now (the retention job sends what is due)."""
    return (
        request.state is not RequestState.RECEIVED
        and request.account is not None
        and request.notified_at is None
        and request.notice_due_at is not None
        and request.notice_due_at <= now
    )


@dataclass(frozen=True, slots=True)
class Hold:
    """A preservation hold: nothing about the account is erased while it is in force."""

    hold_id: bytes
    account: bytes
    request_id: bytes | None
    created_at: int
    expires_at: int
    renewals: int = 0
    released_at: int | None = None

    def in_force(self, now: int) -> bool:
        return self.released_at is None and now < self.expires_at


def place_hold(
    hold_id: bytes, account: bytes, request_id: bytes | None, clock: Clock, policy: RequestPolicy
) -> Hold:
    now = int(clock.now())
    return Hold(hold_id, account, request_id, now, now + policy.hold_days * DAY)


def renew_hold(hold: Hold, clock: Clock, policy: RequestPolicy) -> Hold:
    """Another ``hold_days`` from now, at most ``hold_renewals`` times."""
    now = int(clock.now())
    if not hold.in_force(now):
        raise ComplianceError("invalid_state", "the hold has ended; place a new one")
    if hold.renewals >= policy.hold_renewals:
        raise ComplianceError(
            "policy_refuses",
            f"a hold is renewed at most "
            f"{policy.hold_renewals} time(s); a longer one needs an order",
        )
    return replace(hold, expires_at=now + policy.hold_days * DAY, renewals=hold.renewals + 1)


def release_hold(hold: Hold, clock: Clock) -> Hold:
    now = int(clock.now())
    if not hold.in_force(now):
        raise ComplianceError("invalid_state", "the hold is not in force")
    return replace(hold, released_at=now)
