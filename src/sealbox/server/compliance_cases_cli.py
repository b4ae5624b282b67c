# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox admin notices|cases|strikes|appeals``: deciding notices and abuse reports on the
server host. Each decision names its operator and is audited (docs/compliance.md)."""

import asyncio
from typing import Annotated

import typer

from sealbox.protocol import compliance as w
from sealbox.protocol.models import b64encode
from sealbox.server.compliance_cli import (
    DEFAULT_DATA,
    CaseArg,
    DataOpt,
    DbOpt,
    JsonOpt,
    OperatorOpt,
    appeals_app,
    case_id,
    case_line,
    cases_app,
    console,
    named,
    notices_app,
    services,
    show,
    strikes_app,
)
from sealbox.server.db import accounts
from sealbox.server.db.engine import read_only
from sealbox.server.services.registry import Services

StateOpt = Annotated[str | None, typer.Option("--state", help="Only cases in this state.")]


@notices_app.command("list")
def notices_list(state: StateOpt = None, data: DataOpt = DEFAULT_DATA, db: DbOpt = None,
                 as_json: JsonOpt = False) -> None:  # fmt: skip
    """Copyright notices, trusted flaggers' first; incomplete ones say what they lack."""
    with services(data, db) as svc:
        found = svc.compliance.cases.listing(state)
    only = w.CaseList(cases=[c for c in found.cases if c.kind == "copyright"])
    show(only, as_json, lambda: [case_line(c) for c in only.cases] or ["no notices"])


@cases_app.command("list")
def cases_list(state: StateOpt = None, data: DataOpt = DEFAULT_DATA, db: DbOpt = None,
               as_json: JsonOpt = False) -> None:  # fmt: skip
    """Every case (notices and abuse reports), highest priority first."""
    with services(data, db) as svc:
        found = svc.compliance.cases.listing(state)
    show(found, as_json, lambda: [case_line(c) for c in found.cases] or ["no cases"])


@cases_app.command("show")
def cases_show(case: CaseArg, data: DataOpt = DEFAULT_DATA, db: DbOpt = None,
               as_json: JsonOpt = False) -> None:  # fmt: skip
    """One case with its statement of reasons."""
    with services(data, db) as svc:
        found = svc.compliance.cases.show(case_id(case))
    decision = found.decision or {}
    show(found, as_json, lambda: [case_line(found), *(f"{k}: {v}" for k, v in decision.items())])


def _released(svc: Services, gone: set[bytes]) -> None:
    asyncio.run(svc.collector.release(gone))


@cases_app.command("act")
def cases_act(case: CaseArg, operator: OperatorOpt, data: DataOpt = DEFAULT_DATA,
              db: DbOpt = None, as_json: JsonOpt = False) -> None:  # fmt: skip
    """Carry out a notice's takedown in its scope (or uphold an abuse report)."""
    gone: set[bytes] = set()
    with services(data, db) as svc:
        who, found = named(svc, operator), case_id(case)
        kind = svc.compliance.cases.show(found).kind
        if kind == "copyright":
            done = svc.compliance.cases.act(found, who, gone.update)
        else:
            done = svc.compliance.abuse.uphold(found, who, gone.update)
        _released(svc, gone)
    show(done, as_json, lambda: [case_line(done)])


@cases_app.command("reject")
def cases_reject(case: CaseArg, operator: OperatorOpt, data: DataOpt = DEFAULT_DATA,
                 db: DbOpt = None, as_json: JsonOpt = False) -> None:  # fmt: skip
    """Reject a notice or a report; a reported link is enabled again."""
    with services(data, db) as svc:
        done = svc.compliance.cases.reject(case_id(case), named(svc, operator))
    show(done, as_json, lambda: [case_line(done)])


@cases_app.command("court-action")
def cases_court_action(case: CaseArg, operator: OperatorOpt, data: DataOpt = DEFAULT_DATA,
                       db: DbOpt = None, as_json: JsonOpt = False) -> None:  # fmt: skip
    """Record that the complainant reported a court action: the content stays down."""
    with services(data, db) as svc:
        done = svc.compliance.cases.court_action(case_id(case), named(svc, operator))
    show(done, as_json, lambda: [case_line(done)])


@cases_app.command("restore")
def cases_restore(operator: OperatorOpt, data: DataOpt = DEFAULT_DATA, db: DbOpt = None,
                  as_json: JsonOpt = False) -> None:  # fmt: skip
    """Restore countered cases whose window has opened (the server also does this itself)."""
    with services(data, db) as svc:
        done = [b64encode(c) for c in svc.compliance.cases.restore_due(named(svc, operator))]
    show(done, as_json, lambda: [f"restored {c}" for c in done] or ["nothing due"])


@strikes_app.command("show")
def strikes_show(username: str, data: DataOpt = DEFAULT_DATA, db: DbOpt = None,
                 as_json: JsonOpt = False) -> None:  # fmt: skip
    """An account's strikes, which of them count, and whether it is suspended."""
    with services(data, db) as svc:
        with read_only(svc.engine) as conn:
            user_id = accounts.user_id_of(conn, username)
        if user_id is None:
            console.print(f"no account named {username!r}", markup=False)
            raise typer.Exit(1)
        report = svc.compliance.cases.strike_report(user_id)
    show(report, as_json, lambda: [f"{username}: {report.counting} counting, "
                                   f"status {report.status or 'active'}"] + [
        f"  {b64encode(s.case_id)}  {s.at}  {'counts' if s.counting else 'does not count'}"
        for s in report.strikes])  # fmt: skip


@appeals_app.command("list")
def appeals_list(state: StateOpt = None, data: DataOpt = DEFAULT_DATA, db: DbOpt = None,
                 as_json: JsonOpt = False) -> None:  # fmt: skip
    """Appeals, open ones by default with --state open."""
    with services(data, db) as svc:
        found = svc.compliance.users.appeals(state)
    show(found, as_json, lambda: [f"{b64encode(a.appeal_id)}  case {b64encode(a.case_id)}  "
                                  f"{a.state}  {a.reason!r}" for a in found.appeals]
         or ["no appeals"])  # fmt: skip


@appeals_app.command("decide")
def appeals_decide(
    appeal: Annotated[str, typer.Argument(help="The appeal id.")],
    outcome: Annotated[str, typer.Argument(help="grant or deny")],
    operator: OperatorOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why; recorded and shown.")],
    data: DataOpt = DEFAULT_DATA, db: DbOpt = None, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Decide an appeal. A granted appeal undoes the case's actions and its strike."""
    if outcome not in ("grant", "deny"):
        console.print("the outcome is grant or deny")
        raise typer.Exit(2)
    decision = w.AppealDecision(outcome=outcome, reason=reason)  # type: ignore[arg-type]
    with services(data, db) as svc:
        done = svc.compliance.users.decide(
            case_id(appeal, "appeal id"), decision, named(svc, operator)
        )
    show(done, as_json, lambda: [f"appeal {b64encode(done.appeal_id)}: {done.state}"])
