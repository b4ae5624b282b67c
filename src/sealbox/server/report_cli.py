# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox admin report --period 2026-H2``: the transparency report, computed from the server's
log (spec/transparency.md §The report; docs/transparency.md), written as JSON, Markdown and HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sealbox.compliance.report import EntryError, PeriodError, ReportError, generate, parse_period
from sealbox.compliance.report.files import write_report
from sealbox.server.db.engine import make_engine
from sealbox.server.services.transparency_report import TableReader
from sealbox.server.settings import Settings

console = Console(stderr=True)


def register(admin: typer.Typer) -> None:
    admin.command("report")(report)


def report(
    period: Annotated[
        str, typer.Option("--period", help="2026 (a year), 2026-H2 (a half) or 2026-Q1.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for report.json, .md and .html (default: ./PERIOD)."),
    ] = None,
    data: Annotated[Path, typer.Option("--data", help="The server's data directory.")] = Path(
        ".sealbox-data"
    ),
    db: Annotated[
        str | None, typer.Option("--db", envvar="SEALBOX_DB", help="Database URL.")
    ] = None,
) -> None:
    """Write the transparency report for a period from the log's entries; every figure names the
    entries and the signed checkpoint it was computed from."""
    try:
        chosen = parse_period(period)
    except PeriodError as exc:
        console.print(f"--period: {exc}", markup=False)
        raise typer.Exit(2) from exc
    settings = Settings(data_dir=data.resolve(), db_url=db)
    engine = make_engine(settings.database_url)
    try:
        document = generate(chosen, TableReader(engine))
        paths = write_report(document, out or Path(chosen.name))
    except (EntryError, ReportError) as exc:
        console.print(str(exc), markup=False)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    start, end = document["range"]
    console.print(
        f"wrote {', '.join(map(str, paths))}: entries [{start}, {end}) of the checkpoint of size "
        f"{document['checkpoint']['size']}",
        markup=False,
    )
