# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Markdown and HTML renderings say what report.json says: every figure with its value as a
reader sees it and its entry range, the provenance of the whole report, and, in HTML, a chart bar
for every breakdown figure carrying its number; the page has no script and no outside reference.
(tests/web/test_report_page.py renders the page in Chromium.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sealbox.compliance.report import ReportError, generate, loads, parse_period
from sealbox.compliance.report.as_html import render_html
from sealbox.compliance.report.as_markdown import render_markdown
from sealbox.compliance.report.document import figures_of
from sealbox.compliance.report.files import write_report
from sealbox.testing.report_log import ListReader, half_year


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return generate(parse_period("2026-H2"), ListReader(half_year()))


def test_markdown_has_a_row_for_every_figure(report: dict[str, Any]) -> None:
    text = render_markdown(report)
    assert text.startswith("# Transparency report 2026-H2\n")
    assert f"whose root is {report['checkpoint']['root']}" in text
    assert "sealbox transparency verify --report report.json" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(figures_of(report))
    assert "| Copyright takedowns | 3 | [2, 42) | `copyright.takedowns` |" in rows
    assert "| Stored files (last census of the period) | 160,000 | [2, 42) |" in text
    assert "| 0.001875 % |" in text and "| 31.88 h |" in text


def test_html_charts_carry_the_numbers_of_their_figures(report: dict[str, Any]) -> None:
    page = render_html(report)
    figures = figures_of(report)
    bars = re.findall(r'<rect [^>]*data-figure="([^"]+)" data-value="([^"]*)"', page)
    charted = [f for f in figures if ".by_" in f and "by_country_offence_outcome" not in f]
    assert [f for f, _ in bars] == charted and len(charted) == 38
    for figure_id, value in bars:
        assert ".by_" in figure_id and value == str(figures[figure_id]["value"])
    assert ("legal_orders.by_country.DE", "3") in bars
    assert not any("by_country_offence_outcome" in f for f, _ in bars)  # a table, not a chart
    rows = re.findall(r'<tr data-figure="([^"]+)">', page)
    assert rows == list(figures)


def test_html_is_self_contained_and_has_no_script(report: dict[str, Any]) -> None:
    page = render_html(report).lower()
    assert "<script" not in page and "javascript:" not in page
    assert not re.search(r"\son[a-z]+\s*=", page)  # no event handler attribute
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page and "src=" not in page and "style=" not in page
    assert "default-src 'none'; style-src 'sha256-" in page


def test_the_three_files_are_written_and_never_overwritten(
    report: dict[str, Any], tmp_path: Path
) -> None:
    paths = write_report(report, tmp_path / "out")
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html"]
    assert loads(paths[0].read_bytes()) == report
    with pytest.raises(ReportError, match=r"report\.json exists already"):
        write_report(report, tmp_path / "out")
