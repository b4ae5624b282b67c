# SPDX-License-Identifier: AGPL-3.0-or-later
"""The report in Markdown: one table per section, every row with the entry range it counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sealbox.compliance.report.wording import provenance, range_text, value_text


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(document: Mapping[str, Any]) -> str:
    lines = [f"# Transparency report {document['period']['name']}", ""]
    for sentence in provenance(document):
        lines += [sentence, ""]
    for section in document["sections"]:
        lines += [
            f"## {section['title']}",
            "",
            "| Figure | Value | Entries | Id |",
            "|---|---:|---|---|",
        ]
        lines += [
            f"| {_cell(f['label'])} | {value_text(f)} | {range_text(f)} | `{_cell(f['id'])}` |"
            for f in section["figures"]
        ]
        lines.append("")
    return "\n".join(lines)
