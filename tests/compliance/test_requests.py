# SPDX-License-Identifier: AGPL-3.0-or-later
"""Requests for user data and preservation holds: every policy rule of spec/compliance.md §12,
with a fake clock."""

import pytest

from sealbox.compliance.errors import ComplianceError, InvalidTransition
from sealbox.compliance.requests import (
    DAY,
    DataRequest,
    Outcome,
    RequestPolicy,
    RequestState,
    Restraint,
    answer,
    assess,
    new_request,
    notice_due,
    notify,
    place_hold,
    release_hold,
    renew_hold,
    validate,
)

ACCOUNT = b"\x01" * 16
POLICY = RequestPolicy(home_country="DE")


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def now(self) -> float:
        return self.t

    def days(self, n: float) -> None:
        self.t += n * DAY


def request(clock: Clock, **changes: object) -> DataRequest:
    fields: dict[str, object] = dict(
        type="law_enforcement",
        country="de",
        authority="BKA",
        instrument="§100g StPO",
        offence="fraud",
        data_asked="subscriber data",
        account=ACCOUNT,
    )
    fields.update(changes)
    return new_request(b"\x02" * 16, fields, clock)


def test_a_domestic_request_may_be_answered_after_advance_notice() -> None:
    clock = Clock()
    received = request(clock)
    assert received.country == "DE" and received.state is RequestState.RECEIVED
    clock.days(1)
    checked = validate(received, clock, POLICY)
    assert checked.notice_due_at == checked.validated_at == received.received_at + DAY
    assert notice_due(checked, int(clock.now()))
    with pytest.raises(ComplianceError) as refused:
        answer(checked, Outcome.PROVIDED, "username, e-mail", clock, POLICY)
    assert refused.value.code == "notice_first"
    told = notify(checked, clock)
    assert not notice_due(told, int(clock.now()))
    clock.days(2)
    done = answer(told, Outcome.PROVIDED, "username, e-mail", clock, POLICY)
    assert done.state is RequestState.ANSWERED and done.answered_at == int(clock.now())
    with pytest.raises(InvalidTransition):
        answer(done, Outcome.DECLINED, "", clock, POLICY)


def test_a_private_request_is_declined_without_a_court_order() -> None:
    clock = Clock()
    private = validate(request(clock, type="private", authority="Rights Co"), clock, POLICY)
    assert assess(private, POLICY).allowed == (Outcome.DECLINED,)
    private = notify(private, clock)
    with pytest.raises(ComplianceError) as refused:
        answer(private, Outcome.PROVIDED, "e-mail", clock, POLICY)
    assert refused.value.code == "policy_refuses" and "court order" in refused.value.message
    assert answer(private, Outcome.DECLINED, "", clock, POLICY).outcome is Outcome.DECLINED
    ordered = request(clock, type="private", court_order=True)
    assert Outcome.PROVIDED in assess(ordered, POLICY).allowed


def test_a_foreign_request_is_referred_to_mutual_legal_assistance_unless_configured() -> None:
    clock = Clock()
    foreign = notify(validate(request(clock, country="US"), clock, POLICY), clock)
    assessment = assess(foreign, POLICY)
    assert assessment.allowed == (Outcome.MLA_REFERRED, Outcome.DECLINED)
    assert "mutual legal assistance" in assessment.reason
    with pytest.raises(ComplianceError):
        answer(foreign, Outcome.PROVIDED, "e-mail", clock, POLICY)
    assert answer(foreign, Outcome.MLA_REFERRED, "", clock, POLICY).outcome is Outcome.MLA_REFERRED
    treaty = RequestPolicy(home_country="DE", answered_countries=("US",))
    assert Outcome.PROVIDED in assess(foreign, treaty).allowed


def test_the_emergency_path_answers_at_once_and_tells_the_user_afterwards() -> None:
    clock = Clock()
    grounds = "a hostage is held; the account's recent activity may locate them"
    urgent = validate(
        request(clock, type="emergency", country="FR", emergency_grounds=grounds), clock, POLICY
    )
    assert urgent.notice_due_at == int(clock.now()) + POLICY.emergency_notice_days * DAY
    done = answer(urgent, Outcome.PROVIDED, "e-mail", clock, POLICY)  # no advance notice owed
    assert not notice_due(done, int(clock.now()))
    clock.days(POLICY.emergency_notice_days)
    assert notice_due(done, int(clock.now()))
    bare = validate(request(clock, type="emergency"), clock, POLICY)
    assert assess(bare, POLICY).allowed == (Outcome.DECLINED,)
    off = RequestPolicy(home_country="DE", emergency_requests=False)
    assert assess(urgent, off).allowed == (Outcome.DECLINED,)


@pytest.mark.parametrize("restraint", list(Restraint))
def test_a_gag_or_court_delay_holds_the_notice_until_it_lapses(restraint: Restraint) -> None:
    clock = Clock()
    until = int(clock.now()) + 30 * DAY
    held = validate(request(clock), clock, POLICY, restraint, until)
    assert held.notice_due_at == until and not notice_due(held, int(clock.now()))
    done = answer(held, Outcome.PROVIDED, "e-mail", clock, POLICY)  # no advance notice owed
    with pytest.raises(ComplianceError) as refused:
        notify(done, clock)
    assert refused.value.code == "restrained"
    clock.days(30)
    assert notice_due(done, int(clock.now()))  # the job tells the user now
    assert notify(done, clock).notified_at == until


def test_a_restraint_needs_a_future_end_and_a_request_needs_known_values() -> None:
    clock = Clock()
    with pytest.raises(ComplianceError):
        validate(request(clock), clock, POLICY, Restraint.GAG, None)
    with pytest.raises(ComplianceError):
        validate(request(clock), clock, POLICY, Restraint.GAG, int(clock.now()))
    bad_values: list[dict[str, object]] = [
        {"type": "whim"}, {"offence": "jaywalking in prose"}, {"country": "Germany"},
        {"authority": " "}, {"instrument": "x" * 301},
    ]  # fmt: skip
    for bad in bad_values:
        with pytest.raises(ComplianceError):
            request(clock, **bad)


def test_a_request_naming_no_account_owes_no_notice_and_disclosure_names_data() -> None:
    clock = Clock()
    nobody = validate(request(clock, account=None), clock, POLICY)
    assert nobody.notice_due_at is None and not notice_due(nobody, 10**12)
    with pytest.raises(ComplianceError):
        notify(nobody, clock)
    with pytest.raises(ComplianceError):
        answer(nobody, Outcome.PROVIDED, " ", clock, POLICY)
    with pytest.raises(ComplianceError):
        answer(nobody, Outcome.NO_DATA, "e-mail", clock, POLICY)
    with pytest.raises(InvalidTransition):
        notify(request(clock), clock)


def test_a_hold_expires_renews_once_and_can_be_released() -> None:
    clock = Clock()
    hold = place_hold(b"\x03" * 16, ACCOUNT, None, clock, POLICY)
    assert hold.in_force(int(clock.now()))
    clock.days(89)
    renewed = renew_hold(hold, clock, POLICY)
    assert renewed.expires_at == int(clock.now()) + 90 * DAY
    with pytest.raises(ComplianceError) as refused:
        renew_hold(renewed, clock, POLICY)
    assert refused.value.code == "policy_refuses"
    clock.days(90)
    assert not renewed.in_force(int(clock.now()))
    with pytest.raises(ComplianceError):
        release_hold(renewed, clock)
    fresh = place_hold(b"\x04" * 16, ACCOUNT, None, clock, POLICY)
    assert not release_hold(fresh, clock).in_force(int(clock.now()))
