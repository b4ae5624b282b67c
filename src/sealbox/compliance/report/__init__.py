# SPDX-License-Identifier: AGPL-3.0-or-later
"""The transparency report (issue 17, item 6; spec/transparency.md §The report): figures computed
from the log's entries, each naming the range and checkpoint it was read from; the JSON, Markdown
and HTML renderings; and the recomputation a verifier runs. Pure: the log is reached through
``LogReader``, which the server implements over its table and a client over the public routes."""

from sealbox.compliance.report.document import Head, ReportError, dumps, loads
from sealbox.compliance.report.entries import Entry, EntryError, canonical, parse_entry
from sealbox.compliance.report.generate import LogReader, generate
from sealbox.compliance.report.period import Period, PeriodError, parse_period
from sealbox.compliance.report.verify import (
    ReportMismatch,
    claimed,
    entries_to_fetch,
    verify_report,
)

__all__ = [
    "Entry",
    "EntryError",
    "Head",
    "LogReader",
    "Period",
    "PeriodError",
    "ReportError",
    "ReportMismatch",
    "canonical",
    "claimed",
    "dumps",
    "entries_to_fetch",
    "generate",
    "loads",
    "parse_entry",
    "parse_period",
    "verify_report",
]
