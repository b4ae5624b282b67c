# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bar charts in SVG, generated from a report's figures: every breakdown (figures whose ids read
``<what>.by_<dimension>.<key>``) becomes one chart, each bar's length is its figure's value over
the largest in the chart, and each bar carries ``data-figure`` and ``data-value`` so a reader or a
test can check the drawing against the numbers. Nothing is drawn by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from sealbox.compliance.report.wording import key_text, value_text

WIDTH, LABEL, BAR, ROW = 640, 250, 300, 26
SKIP = ("by_country_offence_outcome",)  # three dimensions: a table, not a chart


@dataclass(frozen=True, slots=True)
class Chart:
    id: str  # the ids' common prefix, e.g. legal_orders.by_country
    title: str
    figures: tuple[Mapping[str, Any], ...]


def _group(figure_id: str) -> tuple[str, str] | None:
    """(prefix, key) when the id is a breakdown's, else None."""
    parts = figure_id.split(".")
    for i, part in enumerate(parts[:-1]):
        if part.startswith("by_") and part not in SKIP:
            return ".".join(parts[: i + 1]), ".".join(parts[i + 1 :])
    return None


def charts_of(figures: Sequence[Mapping[str, Any]]) -> list[Chart]:
    """The section's breakdowns, in the order they appear, each as one chart."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for figure in figures:
        found = _group(figure["id"])
        if found is not None:
            groups.setdefault(found[0], []).append(figure)
    return [
        Chart(prefix, members[0]["label"].split(":")[0], tuple(members))
        for prefix, members in groups.items()
    ]


def _bar(figure: Mapping[str, Any], row: int, largest: float) -> str:
    value = figure["value"] or 0
    length = round(BAR * value / largest, 2) if largest else 0
    y = row * ROW
    key = _group(figure["id"])
    label = escape(key_text(key[1]) if key else figure["label"])
    fid, shown = escape(figure["id"]), escape(value_text(figure))
    return (
        f'<g class="bar"><text class="key" x="{LABEL - 8}" y="{y + 17}">{label}</text>'
        f'<rect x="{LABEL}" y="{y + 4}" width="{length}" height="{ROW - 8}" '
        f'data-figure="{fid}" data-value="{escape(str(figure["value"]))}">'
        f"<title>{label}: {shown}</title></rect>"
        f'<text class="value" x="{LABEL + length + 6}" y="{y + 17}">{shown}</text></g>'
    )


def render_chart(chart: Chart) -> str:
    """One chart as inline SVG (no script, no style attribute, no external reference)."""
    largest = max((f["value"] or 0 for f in chart.figures), default=0)
    height = ROW * len(chart.figures)
    title = escape(chart.title)
    bars = "".join(_bar(f, row, largest) for row, f in enumerate(chart.figures))
    return (
        f'<figure class="chart" data-chart="{escape(chart.id)}"><figcaption>{title}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{title}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">'
        f"<title>{title}</title>{bars}</svg></figure>"
    )
