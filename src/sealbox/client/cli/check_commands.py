# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox check LOCAL REMOTE``: compare a local folder or file with a remote one by content
(sdk/checks.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sealbox.client.cli import transfer_flags
from sealbox.client.cli.context import fail, item_notices, options, run, with_drive
from sealbox.client.cli.exits import CHECK_DIFFERS, Exit
from sealbox.client.cli.output import Json, emit_json, terminal_safe
from sealbox.client.cli.transfer_flags import Exclude, ExcludeFrom, Flags, Include
from sealbox.client.sdk import checks, files
from sealbox.client.sdk.checks import Checked, Verdict
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.local_tree import Links

SHOWN = {
    Verdict.IDENTICAL: "identical",
    Verdict.DIFFERING: "differing",
    Verdict.ONLY_LOCAL: "only local",
    Verdict.ONLY_REMOTE: "only remote",
}


def register(app: typer.Typer) -> None:
    app.command(epilog=transfer_flags.CHECK_EXAMPLES)(check)


def check(
    ctx: typer.Context,
    local: Annotated[Path, typer.Argument(help="A local folder (or file).")],
    remote: Annotated[str, typer.Argument(help="The remote folder (or file) to compare it with.")],
    download: Annotated[
        bool,
        typer.Option(
            "--download",
            help="Download and hash every remote file (verified as any download) instead of "
            "trusting the keyed hash in its sealed metadata; nothing is written to disk.",
        ),
    ] = False,
    identical: Annotated[
        bool, typer.Option("--identical", help="List identical files too, not only differences.")
    ] = False,
    exclude: Exclude = None,
    include: Include = None,
    exclude_from: ExcludeFrom = None,
    json_out: Json = False,
) -> None:
    """Compare LOCAL with REMOTE by content: files only local, only remote, differing, and
    identical. The local file is hashed with the keyed hash in the remote file's sealed metadata,
    so nothing is downloaded; a remote file without one (or every file, with --download) is
    downloaded, verified and hashed. Exits 1 when anything differs, 0 when all is identical."""
    opts = options(ctx)
    transfer = Flags(exclude=exclude, include=include, exclude_from=exclude_from).options()

    async def work(drive: Drive) -> list[Checked]:
        sides = transfer_flags.sides(transfer, Links.SKIP, item_notices(opts, files.Reporter()))
        return await checks.check(drive, local, remote, sides, download=download)

    found = run(lambda: with_drive(opts, work), local=local)
    counts = {verdict: sum(1 for c in found if c.verdict is verdict) for verdict in Verdict}
    if json_out:
        emit_json(
            {
                "files": [
                    {"path": c.relative, "verdict": c.verdict.value, "by": c.how.value}
                    for c in found
                ],
                **{verdict.value: counts[verdict] for verdict in Verdict},
            }
        )
    else:
        for item in found:
            if identical or item.verdict is not Verdict.IDENTICAL:
                typer.echo(f"{SHOWN[item.verdict]:<12} {terminal_safe(item.relative)}")
        typer.echo(", ".join(f"{counts[v]} {SHOWN[v]}" for v in Verdict))
    if any(c.verdict is not Verdict.IDENTICAL for c in found):
        if not json_out:
            fail(CHECK_DIFFERS, Exit.ERROR)
        raise typer.Exit(Exit.ERROR)
