# SPDX-License-Identifier: AGPL-3.0-or-later
"""The transparency report's HTML in Debian's Chromium (issue 17, item 6): the page renders with
its charts visible, every bar carries the number of its figure and is drawn in proportion to it,
and the page asks for nothing outside itself and breaks no rule of its own CSP (it has no
script). The screenshot is kept as a CI artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sealbox.compliance.report import generate, parse_period
from sealbox.compliance.report.as_html import render_html
from sealbox.compliance.report.document import figures_of
from sealbox.testing.report_log import ListReader, half_year

from .browser import CHROMIUM, screenshot

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]

# Worked out by hand from sealbox.testing.report_log (see tests/compliance/test_report_figures.py).
BARS = {
    "legal_orders.by_country.DE": 3,
    "legal_orders.by_country.FR": 2,
    "legal_orders.by_country.IE": 1,
    "legal_orders.by_country.NZ": 1,
    "legal_orders.by_country.US": 1,
    "legal_orders.by_outcome.provided": 3,
    "legal_orders.by_outcome.no_data": 2,
    "requests.by_type.law_enforcement": 4,
    "requests.by_type.private": 3,
    "dsa.notices.by_source.form": 2,
    "dsa.actions.by_ground.law": 3,
    "dsa.actions.by_ground.terms": 2,
    "dsa.actions.by_scope.everywhere": 2,
    "objectionable.by_category.STATEMENT_CATEGORY_VIOLENCE": 1,
}


async def test_the_report_renders_its_charts_from_the_figures(browser: Any, tmp_path: Path) -> None:
    report = generate(parse_period("2026-H2"), ListReader(half_year()))
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")
    context = await browser.new_context()
    page = await context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    await page.goto(page_file.as_uri())
    await screenshot(page, "transparency-report")

    assert await page.inner_text("h1") == "Transparency report 2026-H2"
    bars = await page.eval_on_selector_all(
        "svg rect[data-figure]",
        """rects => rects.map(r => {
            const box = r.getBoundingClientRect();
            return [r.dataset.figure, r.dataset.value, box.width, box.height,
                    getComputedStyle(r).fill];
        })""",
    )
    drawn = {figure: (value, width, height, fill) for figure, value, width, height, fill in bars}
    for figure, value in BARS.items():
        assert drawn[figure][0] == str(value), figure
        _, width, height, fill = drawn[figure]
        assert width > 0 and height > 0, f"{figure} is not visible"
        assert fill == "rgb(43, 108, 176)"  # the page's style applied: its CSP hash holds
    # every bar is its value over the largest of its chart, in the page as drawn
    de, fr = drawn["legal_orders.by_country.DE"][1], drawn["legal_orders.by_country.FR"][1]
    assert fr == pytest.approx(de * 2 / 3, abs=0.5)
    assert drawn["legal_orders.by_outcome.partly_provided"][0] == "1"
    assert drawn["requests.by_type.law_enforcement"][1] == pytest.approx(300, abs=0.5)
    # every bar drawn is a figure of the report, with the report's number
    figures = figures_of(report)
    for figure, (value, *_) in drawn.items():
        assert value == str(figures[figure]["value"]), figure
    charts = await page.eval_on_selector_all("figure[data-chart]", "f => f.length")
    assert charts >= 10
    # a table row for every figure, with its value as the reader sees it
    rows = await page.eval_on_selector_all("tr[data-figure]", "rows => rows.length")
    assert rows == len(figures)
    share = await page.inner_text('tr[data-figure="copyright.links_removed.share_of_files"]')
    assert "0.005 %" in share and "[2, 42)" in share

    assert requests == [page_file.as_uri()]  # nothing outside the page itself
    assert problems == []  # no CSP violation (the style block's hash matches), no error
    await context.close()
