# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox transparency verify --report FILE``: the report file read, and the result of
``sdk.report_check`` printed. A figure the log does not give exits with the integrity code, each
such figure named on its own line (docs/transparency.md, "Reading the report")."""

from __future__ import annotations

from pathlib import Path

import typer

from sealbox.client.cli.context import fail
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import emit_json, terminal_safe
from sealbox.client.sdk.report_check import ReportCheck
from sealbox.compliance.report import ReportError, claimed

MAX_REPORT = 64 * 1024 * 1024


def read_report(path: Path) -> bytes:
    """The report file's bytes, refused at once if it is not a report at all."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_REPORT + 1)
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}", Exit.ERROR)
    if len(data) > MAX_REPORT:
        fail(f"{path} is larger than any transparency report", Exit.USAGE)
    try:
        claimed(data)
    except ReportError as exc:
        fail(f"{path}: {exc}", Exit.USAGE)
    return data


def print_check(check: ReportCheck, as_json: bool) -> None:
    if as_json:
        emit_json(check.as_dict())
    else:
        lo, hi = check.fetched
        typer.echo(
            terminal_safe(
                f"report {check.period}: checkpoint of {check.checkpoint.size} entries of "
                f"{check.checkpoint.origin}, consistent with the {check.accepted_size} this client "
                f"accepted; entries {lo} to {hi - 1} fetched, each proved to be in the log"
            )
        )
    if check.problems:
        for problem in check.problems:
            typer.echo(f"sealbox: {terminal_safe(problem)}", err=True)
        fail(
            f"the report does not match the log: {len(check.problems)} difference(s), "
            "each named above",
            Exit.INTEGRITY,
        )
    if not as_json:
        typer.echo(f"all {check.figures} figures recomputed from the log: every one matches")
