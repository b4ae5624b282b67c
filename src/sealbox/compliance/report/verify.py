# SPDX-License-Identifier: AGPL-3.0-or-later
"""Recomputing a report from the log's entries and naming every figure that differs.

The caller (``sealbox transparency verify --report FILE``) checks the report's checkpoint
against the pinned log key and fetches the report's range with inclusion proofs; this module
takes those entries, recomputes every figure the way the operator's command does, and compares.
It also refuses a range that leaves out an entry of the period it was shown."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sealbox.compliance.report.document import (
    Head,
    ReportError,
    build_document,
    figures_of,
    loads,
    parse_entries,
)
from sealbox.compliance.report.entries import Entry
from sealbox.compliance.report.period import Period, PeriodError, parse_period


class ReportMismatch(ReportError):
    """The report says what the log does not: ``problems`` names each difference."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the report does not match the log: " + "; ".join(problems))
        self.problems = problems


def _claims(document: Mapping[str, Any]) -> tuple[Period, Head, tuple[int, int]]:
    """The period, checkpoint and range a report says it was computed from."""
    try:
        period = parse_period(document["period"]["name"])
        head = document["checkpoint"]
        size, root = head["size"], bytes.fromhex(head["root"])
        start, end = document["range"]
    except (KeyError, TypeError, ValueError, PeriodError) as exc:
        raise ReportError(
            f"the report does not name its period, checkpoint and range ({exc})"
        ) from exc
    if document["period"] != period.as_dict():
        raise ReportError(f"the report's period {period.name} does not say its own bounds")
    if not all(type(n) is int for n in (size, start, end)) or not 0 <= start <= end <= size:
        raise ReportError(f"the report's range {document['range']} is not within its checkpoint")
    return period, Head(size, root, head.get("origin")), (start, end)


def claimed(report: bytes | str | Mapping[str, Any]) -> tuple[Period, Head, tuple[int, int]]:
    """The period, checkpoint and range a report file says it was computed from; a verifier
    checks that checkpoint against the log before it fetches anything."""
    return _claims(loads(report) if isinstance(report, bytes | str) else report)


def entries_to_fetch(report: bytes | str | Mapping[str, Any]) -> tuple[int, int]:
    """The entries [lo, hi) a verifier fetches (with inclusion proofs) for ``verify_report``:
    the report's range and one entry on each side when its checkpoint has them, so a range cut
    short at either end shows (spec/transparency-report.md §The range)."""
    _, head, (start, end) = claimed(report)
    return max(0, start - 1), min(head.size, end + 1)


def _coverage(period: Period, span: tuple[int, int], entries: list[Entry]) -> list[str]:
    """Problems with the range: an entry of it not given, or one of the period outside it."""
    start, end = span
    given = {e.index for e in entries}
    problems = [
        f"entry {i} of the report's range was not given"
        for i in range(start, end)
        if i not in given
    ][:5]
    problems += [
        f"entry {e.index} falls in {period.name} ({e.at}) but lies outside the report's range "
        f"[{start}, {end})"
        for e in entries
        if not start <= e.index < end and period.holds(e.at)
    ]
    return problems


def _say(value: Any) -> str:
    """A value as the report file writes it: 12, 0.5, "12" (text), or nothing for null."""
    return "nothing" if value is None else json.dumps(value)


def _differences(id_: str, said: dict[str, Any], figure: dict[str, Any]) -> list[str]:
    problems = []
    value, claimed = figure["value"], said.get("value")
    if claimed != value or type(claimed) is not type(value):
        problems.append(f"figure {id_} says {_say(claimed)}, the log gives {_say(value)}")
    for key in ("label", "unit", "range", "checkpoint"):
        if said.get(key) != figure[key]:
            problems.append(f"figure {id_} has {key} {said.get(key)!r}, not {figure[key]!r}")
    extra = sorted(set(said) - set(figure))
    if extra:
        problems.append(f"figure {id_} carries fields no verifier reads: {', '.join(extra)}")
    return problems


def _compare(claimed: dict[str, dict[str, Any]], computed: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for id_, figure in computed.items():
        said = claimed.get(id_)
        if said is None:
            problems.append(
                f"the report lacks figure {id_} (the log gives {_say(figure['value'])})"
            )
        else:
            problems += _differences(id_, said, figure)
    problems += [f"figure {id_} is not one the log gives" for id_ in claimed if id_ not in computed]
    return problems


def verify_report(
    report: bytes | str | Mapping[str, Any], entries: Iterable[tuple[int, bytes]]
) -> dict[str, Any]:
    """Recompute every figure of ``report`` from ``entries`` ((index, entry bytes); at least the
    report's range) and return the recomputed report, or raise ``ReportMismatch`` naming each
    figure that differs (``EntryError`` if an entry is not a valid one)."""
    document = loads(report) if isinstance(report, bytes | str) else dict(report)
    period, head, span = _claims(document)
    parsed = parse_entries(entries)
    problems = _coverage(period, span, parsed)
    computed = build_document(period, head, span, parsed)
    problems += _compare(figures_of(document), figures_of(computed))
    if [s.get("id") for s in document["sections"]] != [s["id"] for s in computed["sections"]]:
        problems.append("the report's sections are not the ones a report has, in order")
    if problems:
        raise ReportMismatch(problems)
    return computed
