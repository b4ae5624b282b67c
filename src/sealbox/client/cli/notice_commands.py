# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox notices``: what happened to this account's content and why, counter-notices and
appeals (spec/compliance.md §4.2, §9; docs/compliance.md tells operators what users see)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from sealbox.client.cli.context import done, fail, http_client, options, run, with_drive
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import Json, emit_json, terminal_safe
from sealbox.client.sdk import notices
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.removals import PUID, Removal
from sealbox.protocol import compliance as w
from sealbox.protocol.models import b64decode

app = typer.Typer(
    no_args_is_help=False,
    invoke_without_command=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Takedown notices about your content: list them, read why, counter-notify, appeal.",
)
JsonOpt = Json  # errors go out as JSON too
CaseArg = Annotated[str, typer.Argument(help="The case id `sealbox notices` lists.")]
STATE_WORDS = {
    "actioned": "taken down", "countered": "counter-notice filed; waiting to restore",
    "upheld": "taken down (upheld)", "restored": "restored", "overturned": "overturned on appeal",
    "received": "under review", "rejected": "rejected, nothing done",
}  # fmt: skip


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="notices")


def _case_id(text: str) -> bytes:
    try:
        value = b64decode(text.strip())
    except ValueError:
        value = b""
    if len(value) != 16:
        fail(f"not a case id: {terminal_safe(text)!r} (copy it from `sealbox notices`)", Exit.USAGE)
    return value


def _day(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d")


def _line(case: w.CaseView) -> str:
    state = STATE_WORDS.get(case.state, case.state)
    links = len(case.link_ids)
    what = f"{case.kind}, scope {case.scope}, {links} link{'s' if links != 1 else ''}"
    return f"{case.model_dump(mode='json')['case_id']}  {_day(case.received_at)}  {state}  ({what})"


@app.callback()
def notices_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the notices and decisions that concern your links and files."""
    if ctx.invoked_subcommand is not None:
        return

    async def work(drive: Drive) -> w.CaseList:
        return await notices.my_cases(drive.session.api)

    found = run(lambda: with_drive(options(ctx), work))
    if as_json:
        emit_json(found.model_dump(mode="json"))
        return
    if not found.cases:
        typer.echo("no notices concern your account")
    for case in found.cases:
        typer.echo(terminal_safe(_line(case)))


def _statement(case: w.CaseView) -> list[str]:
    lines = [_line(case)]
    if case.restore_not_before is not None:
        lines.append(f"restores on {_day(case.restore_not_before)} unless the complainant "
                     "reports a court action")  # fmt: skip
    decision: dict[str, Any] = case.decision or {}
    for key in ("puid", "category", "decision_visibility", "decision_account",
                "illegal_content_legal_ground", "illegal_content_explanation",
                "decision_facts", "application_date"):  # fmt: skip
        if decision.get(key):
            lines.append(f"{key}: {decision[key]}")
    return lines


@app.command("show")
def show(ctx: typer.Context, case: CaseArg, as_json: JsonOpt = False) -> None:
    """Show one case's statement of reasons: what was done, on what ground, and when."""
    case_id = _case_id(case)

    async def work(drive: Drive) -> w.CaseView:
        return await notices.my_case(drive.session.api, case_id)

    found = run(lambda: with_drive(options(ctx), work))
    if as_json:
        emit_json(found.model_dump(mode="json"))
        return
    for line in _statement(found):
        typer.echo(terminal_safe(line))


@app.command("counter")
def counter(
    ctx: typer.Context,
    case: CaseArg,
    name: Annotated[str, typer.Option("--name", help="Your full legal name.")],
    address: Annotated[str, typer.Option("--address", help="Your postal address.")],
    phone: Annotated[str, typer.Option("--phone", help="Your telephone number.")],
    sworn: Annotated[
        bool,
        typer.Option(
            "--under-penalty-of-perjury",
            help="State, under penalty of perjury, that the material was removed by mistake or "
            "misidentification; you consent to the jurisdiction of the court and accept service "
            "from the complainant (DMCA §512(g)(3)).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """File a counter-notice. Your name, address and phone are sent to the complainant."""
    if not sworn:
        fail("a counter-notice needs --under-penalty-of-perjury (read its help first)", Exit.USAGE)
    case_id = _case_id(case)
    body = w.CounterNoticeRequest(
        signature=name, name=name, address=address, phone=phone, statement_under_penalty=True,
        consent_to_jurisdiction=True, accepts_service=True,
    )  # fmt: skip

    async def work(drive: Drive) -> w.RestoreWindowView:
        return await notices.counter(drive.session.api, case_id, body)

    window = run(lambda: with_drive(options(ctx), work))
    if as_json:
        emit_json({"case_id": case.strip(), **window.model_dump(mode="json")})
        return
    typer.echo(
        f"counter-notice filed and forwarded to the complainant; the content is restored on "
        f"{_day(window.restore_not_before)} (by {_day(window.restore_not_after)}) unless they "
        "report a court action"
    )


@app.command("appeal")
def appeal(
    ctx: typer.Context,
    case: CaseArg,
    reason: Annotated[str, typer.Option("--reason", help="Why the decision is wrong.")],
    as_json: JsonOpt = False,
) -> None:
    """Appeal a decision. A named person at the operator decides it, never a machine."""
    case_id = _case_id(case)

    async def work(drive: Drive) -> w.AppealView:
        return await notices.appeal(drive.session.api, case_id, reason)

    filed = run(lambda: with_drive(options(ctx), work))
    if as_json:
        emit_json(filed.model_dump(mode="json"))
        return
    typer.echo(
        f"appeal {filed.model_dump(mode='json')['appeal_id']} filed; a person will decide it"
    )


@app.command("decision")
def decision(
    ctx: typer.Context,
    puid: Annotated[str, typer.Argument(help="A decision's public id, as a message names it.")],
    as_json: JsonOpt = False,
) -> None:
    """Show a decision's public statement of reasons (no login needed): why a link or a file
    was removed."""
    opts = options(ctx)
    wanted = puid.strip().lower()
    if not PUID.fullmatch(wanted):
        fail(f"not a decision id: {terminal_safe(puid)!r}", Exit.USAGE)

    async def work() -> w.PublicDecision:
        state = opts.state()
        try:
            async with http_client(opts.server_url(state), opts.timeout) as http:
                return await Api(http).decision(wanted)
        finally:
            state.close()

    found = run(work)
    if as_json:
        emit_json(found.model_dump(mode="json"))
        return
    for key, value in found.decision.items():
        if value:
            typer.echo(terminal_safe(f"{key}: {value}"))


@app.command("acknowledge")
def acknowledge(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="The folder the removed items were in.")],
    as_json: JsonOpt = False,
) -> None:
    """Stop listing items the operator removed from a folder after a decision: sign the folder
    anew without them. The decisions stay in `sealbox notices`."""
    opts = options(ctx)

    async def work(drive: Drive) -> list[Removal]:
        acknowledged = await drive.acknowledge_removed(path)
        drive.noticed.removed.clear()  # acknowledged now: no need to tell of them again
        return acknowledged

    gone = run(lambda: with_drive(opts, work))
    decisions = sorted({r.decision for r in gone})
    done(opts, as_json,
         f"{len(gone)} removed item(s) of {path} acknowledged"
         + (f" (decision {', '.join(decisions)})" if decisions else ""),
         acknowledged=len(gone), decisions=decisions)  # fmt: skip
