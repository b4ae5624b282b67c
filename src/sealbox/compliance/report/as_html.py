# SPDX-License-Identifier: AGPL-3.0-or-later
"""The report as one self-contained HTML page: tables and inline SVG charts generated from the
figures, no script, no external request (fonts, images and styles are all in the page), and a
Content-Security-Policy that allows only the page's own style block, by its hash."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from html import escape
from typing import Any

from sealbox.compliance.report.charts import charts_of, render_chart
from sealbox.compliance.report.wording import provenance, range_text, value_text

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1a202c; margin: 2rem auto;
       max-width: 52rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
     border-bottom: 1px solid #cbd5e0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e2e8f0; }
td.value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.range, td.id { color: #4a5568; font-size: .85em; }
code { font-size: .9em; overflow-wrap: anywhere; }
figure.chart { margin: 1rem 0; } figcaption { font-weight: 600; margin-bottom: .25rem; }
svg text { font: 12px system-ui, sans-serif; fill: #2d3748; }
svg text.key { text-anchor: end; }
svg rect { fill: #2b6cb0; }
"""


def _policy() -> str:
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def _table(figures: list[Mapping[str, Any]]) -> str:
    rows = "".join(
        f'<tr data-figure="{escape(f["id"])}"><td>{escape(f["label"])}</td>'
        f'<td class="value">{escape(value_text(f))}</td>'
        f'<td class="range">{escape(range_text(f))}</td>'
        f'<td class="id"><code>{escape(f["id"])}</code></td></tr>'
        for f in figures
    )
    head = "<tr><th>Figure</th><th>Value</th><th>Entries</th><th>Id</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{rows}</tbody></table>"


def _provenance(document: Mapping[str, Any]) -> str:
    sentences = []
    for sentence in provenance(document):
        parts = escape(sentence).split("`")
        sentences.append("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))
    return "".join(f"<p>{s}</p>" for s in sentences)


def render_html(document: Mapping[str, Any]) -> str:
    title = escape(f"Transparency report {document['period']['name']}")
    body = [f"<h1>{title}</h1>", _provenance(document)]
    for section in document["sections"]:
        figures = list(section["figures"])
        body.append(f'<section data-section="{escape(section["id"])}">')
        body.append(f"<h2>{escape(section['title'])}</h2>")
        body += [render_chart(chart) for chart in charts_of(figures)]
        body += [_table(figures), "</section>"]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_policy()}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
