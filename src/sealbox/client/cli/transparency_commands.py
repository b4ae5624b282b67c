# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox transparency``: check the server's transparency log (spec/transparency.md,
docs/transparency.md) and read its entries. No account needed: the log is public."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from sealbox.client.cli.context import Options, confirm_or_stop, fail, http_client, options, run
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import Json, emit_json, terminal_safe
from sealbox.client.cli.transparency_report import print_check, read_report
from sealbox.client.sdk import transparency as tlog
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.log_trust import LogTrust, TrustedLog
from sealbox.client.sdk.report_check import check_report
from sealbox.tlog import CheckpointError, NoteKey

T = TypeVar("T")
app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="The server's transparency log: check that it was never rewritten, read its entries.",
)
JsonOpt = Json  # errors go out as JSON too


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="transparency")


def _indices(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        found = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        fail(f"--entries takes entry numbers separated by commas, not {text!r}", Exit.USAGE)
    if any(i < 0 for i in found):
        fail("entry numbers start at 0", Exit.USAGE)
    return found


def _with_api(opts: Options, work: Callable[[Api, str], Awaitable[T]]) -> T:
    state = opts.state()
    try:
        server = opts.server_url(state)
    finally:
        state.close()

    async def call() -> T:
        async with http_client(server, opts.timeout) as http:
            return await work(Api(http), server)

    return run(call)


async def _pinned(
    api: Api, trust: LogTrust, server: str, given: str | None, yes: bool
) -> TrustedLog:
    """The pinned log key: the one given with --log-key, or the server's after the person
    confirmed it. A pinned key is never replaced (LogTrust.pin refuses another)."""
    if given is not None:
        try:
            key = NoteKey.parse(given)
        except CheckpointError as exc:
            fail(f"--log-key: {exc}", Exit.USAGE)
        return trust.pin(server, key)
    found = trust.get(server)
    if found is not None:
        return found
    key = await tlog.fetch_key(api)
    confirm_or_stop(
        f"{server} announces the transparency log key\n  {terminal_safe(key.text())}\n"
        "Compare it with the key its operator publishes (docs/transparency.md). "
        "Pin it for this server from now on?",
        yes,
    )
    return trust.pin(server, key)


def _entry_line(entry: tlog.ProvenEntry) -> str:
    rest = {k: v for k, v in entry.fields.items() if k not in ("v", "kind", "at")}
    words = " ".join(f"{k}={v}" for k, v in sorted(rest.items()))
    return f"{entry.index}  {entry.fields.get('at')}  {entry.fields.get('kind')}  {words}"


@app.command("verify")
def verify(
    ctx: typer.Context,
    entries: Annotated[
        str | None,
        typer.Option("--entries", metavar="I,J,...", help="Also prove these entries are in it."),
    ] = None,
    log_key: Annotated[
        str | None,
        typer.Option(
            "--log-key",
            help="The log key the operator publishes (name+hash+key), pinned on first use "
            "instead of asking.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Pin the key the server announces without asking.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Instead, recompute every figure of this report.json."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the log's signed checkpoint against the pinned key and the last one this client
    accepted (a rewritten or forked log exits 3), prove chosen entries are in it, and check the
    warrant canary (a lapsed canary exits 1). With --report, recompute a transparency report
    from the entries it names instead (a figure that differs exits 3)."""
    opts = options(ctx)
    wanted = _indices(entries)
    trust = LogTrust(opts.home)
    if report is not None:
        data = read_report(report)

        async def check(api: Api, server: str) -> Any:
            log = await _pinned(api, trust, server, log_key, yes)
            return await check_report(api, trust, server, log, data)

        print_check(_with_api(opts, check), as_json)
        return

    async def work(api: Api, server: str) -> dict[str, Any]:
        log = await _pinned(api, trust, server, log_key, yes)
        accepted = await tlog.accept_checkpoint(api, trust, server, log)
        cp = accepted.checkpoint
        proven = [e for i in wanted for e in await tlog.fetch_proven_entries(api, cp, i, i + 1)]
        lapsed = tlog.canary_lapsed(await tlog.latest_canary(api, cp), datetime.now(UTC).date())
        return {
            "origin": cp.origin, "size": cp.size, "root": cp.root.hex(),
            "previous_size": accepted.previous.size if accepted.previous else None,
            "entries": [e.fields | {"index": e.index} for e in proven],
            "canary_lapsed": lapsed, "lines": [_entry_line(e) for e in proven],
        }  # fmt: skip

    result = _with_api(opts, work)
    _report(result, as_json)


def _report(result: dict[str, Any], as_json: bool) -> None:
    lines = result.pop("lines")
    if as_json:
        emit_json(result)
    else:
        typer.echo(terminal_safe(
            f"log {result['origin']}: {result['size']} entries, signed by the pinned key"
        ))  # fmt: skip
        previous = result["previous_size"]
        typer.echo(
            "first check: later checks build on this checkpoint"
            if previous is None
            else f"consistent with the checkpoint accepted before ({previous} entries)"
        )
        for line in lines:
            typer.echo(terminal_safe(f"included: {line}"))
    if result["canary_lapsed"]:
        fail(f"the warrant canary lapsed: {result['canary_lapsed']}", Exit.ERROR)


@app.command("show")
def show(
    ctx: typer.Context,
    start: Annotated[int, typer.Option("--start", min=0, help="First entry (default 0).")] = 0,
    end: Annotated[
        int | None, typer.Option("--end", min=0, help="Entry after the last (default: all).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print log entries, each proved to be in a checkpoint checked as `verify` does (the key
    must be pinned already: run `sealbox transparency verify` first)."""
    opts = options(ctx)
    trust = LogTrust(opts.home)

    async def work(api: Api, server: str) -> list[tlog.ProvenEntry]:
        log = trust.get(server)
        if log is None:
            fail("no log key is pinned for this server: run `sealbox transparency verify`")
        cp = (await tlog.accept_checkpoint(api, trust, server, log)).checkpoint
        last = cp.size if end is None else min(end, cp.size)
        return await tlog.fetch_proven_entries(api, cp, min(start, last), last)

    found = _with_api(opts, work)
    if as_json:
        emit_json({"entries": [e.fields | {"index": e.index} for e in found]})
        return
    for entry in found:
        typer.echo(terminal_safe(_entry_line(entry)))


@app.command("forget")
def forget(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove this server's pinned log key and accepted checkpoint (only when its operator
    announced a new key: the next `verify` pins again from scratch)."""
    opts = options(ctx)
    state = opts.state()
    try:
        server = opts.server_url(state)
    finally:
        state.close()
    confirm_or_stop(f"Forget the log key pinned for {server}?", yes)
    forgot = LogTrust(opts.home).forget(server)
    if as_json:
        emit_json({"server": server, "forgot": forgot})
    elif forgot:
        typer.echo(f"forgot the log key of {server}", err=True)
    else:
        typer.echo(f"no log key was pinned for {server}", err=True)
