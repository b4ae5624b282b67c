# SPDX-License-Identifier: AGPL-3.0-or-later
"""The machine-readable report: every figure with the log range and checkpoint it was computed
from (spec/transparency.md §The report). The operator's command and every verifier build it with
the same function, so a verifier compares like with like."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sealbox.compliance.report.entries import Entry, parse_entry
from sealbox.compliance.report.figures import compute_sections
from sealbox.compliance.report.period import Period

FORMAT = "sealbox-transparency-report/1"


class ReportError(ValueError):
    """A report that cannot be built or read; the message says what and what to do."""


@dataclass(frozen=True, slots=True)
class Head:
    """The checkpoint a report was computed against: the log's size and root (and its origin,
    the log's name, when known)."""

    size: int
    root: bytes
    origin: str | None = None

    def as_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"size": self.size, "root": self.root.hex()}
        if self.origin is not None:
            head["origin"] = self.origin
        return head


def period_range(period: Period, entries: Sequence[Entry], size: int) -> tuple[int, int]:
    """The shortest range [start, end) holding every entry whose ``at`` is in the period; the
    empty range at the log's end when none is."""
    inside = [e.index for e in entries if period.holds(e.at)]
    if not inside:
        return size, size
    return min(inside), max(inside) + 1


def build_document(
    period: Period, head: Head, span: tuple[int, int], entries: Iterable[Entry]
) -> dict[str, Any]:
    """The report over ``entries`` (those of ``span``; entries outside the period are skipped)."""
    start, end = span
    counted = [e for e in entries if start <= e.index < end and period.holds(e.at)]
    where = {"range": [start, end], "checkpoint": {"size": head.size, "root": head.root.hex()}}
    sections = [
        {
            "id": section.id,
            "title": section.title,
            "figures": [
                {"id": f.id, "label": f.label, "unit": f.unit, "value": f.value, **where}
                for f in section.figures
            ],
        }
        for section in compute_sections(counted)
    ]
    return {
        "format": FORMAT,
        "period": period.as_dict(),
        "checkpoint": head.as_dict(),
        "range": [start, end],
        "sections": sections,
    }


def parse_entries(entries: Iterable[tuple[int, bytes]]) -> list[Entry]:
    """Every entry parsed strictly (``EntryError`` names the first bad index), in index order."""
    return sorted((parse_entry(index, data) for index, data in entries), key=lambda e: e.index)


def figures_of(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A report's figures by id, in order."""
    try:
        return {
            figure["id"]: figure
            for section in document["sections"]
            for figure in section["figures"]
        }
    except (KeyError, TypeError) as exc:
        raise ReportError(f"the report's sections do not hold figures with ids ({exc})") from exc


def dumps(document: Mapping[str, Any]) -> bytes:
    """The report file: JSON, keys sorted, indented for a person to read."""
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def loads(data: bytes | str) -> dict[str, Any]:
    """A report file's JSON, or ``ReportError`` saying why it is not one."""
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise ReportError(f"the report is not JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReportError(f"this is not a transparency report (its format is not {FORMAT})")
    return document
