# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox account export``: the account holder's copy of their data, as JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from sealbox.client.cli.context import exit_if_withheld, fail, note, options, run, with_drive
from sealbox.client.cli.exits import Exit
from sealbox.client.sdk import export
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.walks import Withheld


def export_account(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="A new file for the export (default: standard output)."),
    ] = None,
) -> None:
    """Everything the server holds about this account, plus the drive's names, sizes and dates
    as only this device can read them, as JSON (GDPR Art. 15 and 20). The file holds your file
    names: it is created readable by you alone."""
    opts = options(ctx)
    if out is not None and out.exists():
        fail(f"{out} exists already: name a new file, so nothing is overwritten", Exit.CONFLICT)
    withheld: Withheld = []

    async def work(drive: Drive) -> dict[str, Any]:
        return await export.export_account(drive, withheld)

    result = run(lambda: with_drive(opts, work))
    text = json.dumps(result, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            fail(f"cannot create {out}: {exc.strerror}", Exit.ERROR)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        rows = sum(t["rows"] for t in result["server"]["manifest"]["tables"].values())
        note(opts, f"wrote {out}: {rows} server records and {len(result['drive'])} items")
    exit_if_withheld(withheld)
