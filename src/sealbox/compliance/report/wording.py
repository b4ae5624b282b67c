# SPDX-License-Identifier: AGPL-3.0-or-later
"""How the Markdown and HTML renderings write a report's numbers and provenance, so both say
the same thing in the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sealbox.compliance.report.figures import key_text

__all__ = ["key_text", "provenance", "range_text", "value_text"]


def value_text(figure: Mapping[str, Any]) -> str:
    """A figure's value for a reader: thousands separated, shares in %, durations in hours."""
    value = figure["value"]
    if value is None:
        return "n/a"
    if figure["unit"] == "percent":
        return f"{value:,.6f}".rstrip("0").rstrip(".") + " %"
    if figure["unit"] == "hours":
        return f"{value:,.2f} h"
    return f"{value:,}"


def range_text(figure: Mapping[str, Any]) -> str:
    start, end = figure["range"]
    return f"[{start}, {end})"


def provenance(document: Mapping[str, Any]) -> list[str]:
    """The sentences that say what the report was computed from and how to check it."""
    period, head = document["period"], document["checkpoint"]
    start, end = document["range"]
    origin = f" of the log {head['origin']}" if head.get("origin") else ""
    return [
        f"Period {period['name']}: from {period['start']} up to, not including, {period['end']} "
        "(UTC).",
        f"Every figure was computed from log entries {start} to {end - 1} (the range [{start}, "
        f"{end})) of the checkpoint of size {head['size']}{origin}, whose root is {head['root']}.",
        "Anyone can recompute every figure: `sealbox transparency verify --report report.json` "
        "fetches those entries, checks that the signed log holds them, and names any figure that "
        'differs (docs/transparency.md, "Reading the report").',
    ]
