# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox admin requests|holds``: the register of requests for user data and preservation
holds, on the server host (spec/compliance.md §12, docs/compliance.md). Every action names its
operator and goes to the audit record; the policy comes from ``--compliance`` as for
``sealbox server``."""

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from sealbox.compliance.requests import OFFENCES, DataRequest, Hold, Outcome, Restraint
from sealbox.protocol.models import b64encode
from sealbox.server.app import build_services
from sealbox.server.compliance_cli import (
    DEFAULT_DATA,
    DataOpt,
    DbOpt,
    JsonOpt,
    OperatorOpt,
    case_id,
    console,
    group,
    named,
    policy_file,
    show,
)
from sealbox.server.errors import ServiceError
from sealbox.server.services.registry import Services
from sealbox.server.settings import Settings

requests_app = group("Requests for user data: record, validate, answer, tell the user.")
holds_app = group("Preservation holds: nothing about a held account is erased until expiry.")
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--compliance",
        envvar="SEALBOX_COMPLIANCE",
        help="JSON file of policy knobs, as for `sealbox server` (docs/compliance.md).",
    ),
]
RequestArg = Annotated[str, typer.Argument(help="A request id, as `admin requests list` shows.")]
HoldArg = Annotated[str, typer.Argument(help="A hold id, as `admin holds list` shows.")]


def register(admin: typer.Typer) -> None:
    admin.add_typer(requests_app, name="requests")
    admin.add_typer(holds_app, name="holds")


@contextmanager
def services(data: Path, db: str | None, policy: Path | None) -> Iterator[Services]:
    blobs = os.environ.get("SEALBOX_BLOBS") or None
    settings = Settings(
        data_dir=data.resolve(), db_url=db, blobs_url=blobs, compliance=policy_file(policy)
    )
    built = build_services(settings)
    try:
        yield built
    except ServiceError as exc:
        console.print(exc.message, markup=False)
        raise typer.Exit(1) from exc
    finally:
        asyncio.run(built.blobs.close())
        built.engine.dispose()


def day(text: str | None) -> int | None:
    """A date (YYYY-MM-DD, UTC midnight) as Unix seconds."""
    if text is None:
        return None
    try:
        parsed = date.fromisoformat(text)
    except ValueError as exc:
        console.print(f"not a date (YYYY-MM-DD): {text!r}", markup=False)
        raise typer.Exit(2) from exc
    return int(datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC).timestamp())


def when(at: int | None) -> str:
    return "-" if at is None else datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M")


def request_view(r: DataRequest, allowed: list[str] | None = None) -> dict[str, Any]:
    view = asdict(r)
    view.update(
        request_id=b64encode(r.request_id),
        account=None if r.account is None else b64encode(r.account),
    )
    if allowed is not None:
        view["allowed_answers"] = allowed
    return view


def request_line(r: DataRequest) -> str:
    outcome = f" {r.outcome}" if r.outcome else ""
    told = "told" if r.notified_at else f"notice due {when(r.notice_due_at)}"
    return (
        f"{b64encode(r.request_id)}  {r.type:<15} {r.country} {r.state}{outcome}  "
        f"received {when(r.received_at)}  {told if r.account else 'no account'}"
    )


def hold_view(h: Hold) -> dict[str, Any]:
    view = asdict(h)
    view.update(
        hold_id=b64encode(h.hold_id),
        account=b64encode(h.account),
        request_id=None if h.request_id is None else b64encode(h.request_id),
    )
    return view


def hold_line(h: Hold) -> str:
    ended = f" released {when(h.released_at)}" if h.released_at else ""
    return (
        f"{b64encode(h.hold_id)}  account {b64encode(h.account)}  until "
        f"{when(h.expires_at)}  renewals {h.renewals}{ended}"
    )


@requests_app.command("add")
def requests_add(
    operator: OperatorOpt,
    kind: Annotated[
        str,
        typer.Option(
            "--type", help="law_enforcement, court_order, emergency, private or dsa_order"
        ),
    ],
    country: Annotated[str, typer.Option(help="ISO 3166-1 code of the requesting authority.")],
    authority: Annotated[str, typer.Option(help="Who asks (agency, court, firm).")],
    instrument: Annotated[str, typer.Option(help="The legal instrument, with its reference.")],
    offence: Annotated[str, typer.Option(help=f"Alleged offence: {', '.join(OFFENCES)}.")],
    data_asked: Annotated[str, typer.Option("--data-asked", help="The data asked for.")],
    account: Annotated[str | None, typer.Option(help="The username the request names.")] = None,
    court_order: Annotated[bool, typer.Option("--court-order", help="A court ordered it.")] = False,
    emergency_grounds: Annotated[
        str,
        typer.Option(
            "--emergency-grounds", help="For an emergency: the imminent danger described."
        ),
    ] = "",
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a request as received."""
    fields: dict[str, object] = {
        "type": kind,
        "country": country,
        "authority": authority,
        "instrument": instrument,
        "offence": offence,
        "data_asked": data_asked,
        "court_order": court_order,
        "emergency_grounds": emergency_grounds,
    }
    with services(data, db, policy) as svc:
        done = svc.compliance.requests.add(fields, account, named(svc, operator))
    show([request_view(done)], as_json, lambda: [request_line(done)])


@requests_app.command("list")
def requests_list(
    state: Annotated[str | None, typer.Option(help="received, validated or answered")] = None,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every request in the register, oldest first."""
    with services(data, db, None) as svc:
        found = svc.compliance.requests.listing(state)
    show(
        [request_view(r) for r in found],
        as_json,
        lambda: [request_line(r) for r in found] or ["no requests"],
    )


@requests_app.command("show")
def requests_show(
    request: RequestArg,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One request, with the answers the policy allows and why."""
    with services(data, db, policy) as svc:
        found = svc.compliance.requests.show(case_id(request, "request id"))
        assessment = svc.compliance.requests.assess(found.request_id)
    allowed = [o.value for o in assessment.allowed]
    view = request_view(found, allowed)
    show(
        [view],
        as_json,
        lambda: [f"{k}: {v}" for k, v in view.items()] + [f"policy: {assessment.reason}"],
    )


@requests_app.command("validate")
def requests_validate(
    request: RequestArg,
    operator: OperatorOpt,
    gag_until: Annotated[
        str | None,
        typer.Option(
            "--gag-until", help="A non-disclosure order forbids telling the user until this date."
        ),
    ] = None,
    delay_until: Annotated[
        str | None,
        typer.Option("--delay-until", help="A court delayed telling the user until this date."),
    ] = None,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark a request checked as genuine; the user's notice is then due (or when a gag lapses)."""
    if gag_until and delay_until:
        console.print("give --gag-until or --delay-until, not both")
        raise typer.Exit(2)
    restraint = Restraint.GAG if gag_until else Restraint.COURT_DELAY if delay_until else None
    with services(data, db, policy) as svc:
        done = svc.compliance.requests.validate(
            case_id(request, "request id"),
            named(svc, operator),
            restraint,
            day(gag_until or delay_until),
        )
    show([request_view(done)], as_json, lambda: [request_line(done)])


@requests_app.command("answer")
def requests_answer(
    request: RequestArg,
    outcome: Annotated[str, typer.Argument(help=", ".join(o.value for o in Outcome))],
    operator: OperatorOpt,
    disclosed: Annotated[str, typer.Option(help="The data disclosed, if any.")] = "",
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the answer; the policy refuses one it does not allow."""
    try:
        chosen = Outcome(outcome)
    except ValueError as exc:
        console.print(f"the outcome is one of: {', '.join(o.value for o in Outcome)}")
        raise typer.Exit(2) from exc
    with services(data, db, policy) as svc:
        done = svc.compliance.requests.answer(
            case_id(request, "request id"), chosen, disclosed, named(svc, operator)
        )
    show([request_view(done)], as_json, lambda: [request_line(done)])


@requests_app.command("notify")
def requests_notify(
    operator: OperatorOpt,
    request: Annotated[
        str | None, typer.Argument(help="A request id; none: every due one.")
    ] = None,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tell the user (an outbox message); without an id, everyone whose notice is due."""
    with services(data, db, None) as svc:
        who = named(svc, operator)
        if request is None:
            told = svc.compliance.requests.notify_due(who)
            show([{"notified": told}], as_json, lambda: [f"notified {told} user(s)"])
            return
        done = svc.compliance.requests.notify(case_id(request, "request id"), who)
    show([request_view(done)], as_json, lambda: [request_line(done)])


@holds_app.command("add")
def holds_add(
    username: Annotated[
        str,
        typer.Argument(
            help="The account to preserve: its username, or the user id of an account deleted "
            "under a hold."
        ),
    ],
    operator: OperatorOpt,
    request: Annotated[str | None, typer.Option(help="The request that asked for it.")] = None,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Place a preservation hold for the policy's hold_days."""
    asked = None if request is None else case_id(request, "request id")
    with services(data, db, policy) as svc:
        done = svc.compliance.requests.place_hold(username, asked, named(svc, operator))
    show([hold_view(done)], as_json, lambda: [hold_line(done)])


@holds_app.command("list")
def holds_list(data: DataOpt = DEFAULT_DATA, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every hold not yet removed by the retention job."""
    with services(data, db, None) as svc:
        found = svc.compliance.requests.holds()
    show(
        [hold_view(h) for h in found],
        as_json,
        lambda: [hold_line(h) for h in found] or ["no holds"],
    )


@holds_app.command("renew")
def holds_renew(
    hold: HoldArg,
    operator: OperatorOpt,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Renew a hold for another hold_days (at most hold_renewals times)."""
    with services(data, db, policy) as svc:
        done = svc.compliance.requests.renew_hold(case_id(hold, "hold id"), named(svc, operator))
    show([hold_view(done)], as_json, lambda: [hold_line(done)])


@holds_app.command("release")
def holds_release(
    hold: HoldArg,
    operator: OperatorOpt,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """End a hold before its expiry."""
    with services(data, db, None) as svc:
        done = svc.compliance.requests.release_hold(case_id(hold, "hold id"), named(svc, operator))
    show([hold_view(done)], as_json, lambda: [hold_line(done)])
