# SPDX-License-Identifier: AGPL-3.0-or-later
"""The public compliance forms in a real browser (issue 18; spec/compliance.md §3, §4.2, §7):
a copyright notice sent from the page reaches the operator's queue (`sealbox admin notices`), each
missing element is marked on its own field (whether the page or the API finds it missing), a
notice never carries a link's key, an abuse report sent from a link page carries it in its body
only, and a logged-in owner files a counter-notice against a decision about their link."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealbox.client.sdk import links
from sealbox.testing.hostile import Exchange

from .browser import CHROMIUM, OWNER_PASSWORD, Live, Owner, log_in, screenshot, visit

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]


def admin(data: Path, *args: str, case: str | None = None) -> Any:
    """Run `sealbox admin ARGS --data DATA --json [-- CASE]` as the operator would, on the live
    database (a case id may start with "-", hence the "--")."""
    tail = ["--", case] if case else []
    done = subprocess.run(
        [sys.executable, "-m", "sealbox", "admin", *args, "--data", str(data), "--json", *tail],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=True,
    )
    return json.loads(done.stdout)


async def fill_notice(page: Any, url: str) -> None:
    await page.fill("#notifier-name", "Rights Holder Ltd")
    await page.fill("#notifier-contact", "legal@rights.example")
    await page.check("#role-agent")
    await page.fill("#works", "The Song, 2024\nThe Album")
    await page.fill("#locators", url)
    await page.fill("#explanation", "A full copy of the album, shared without a licence.")
    await page.check("#scope-file")
    await page.check("#good-faith")
    await page.check("#accurate")
    await page.check("#misrepresentation")
    await page.fill("#signature", "Rita Holder")


def live_data(tmp_path: Path) -> Path:
    return tmp_path / "server"  # the data directory of the `live` fixture


def notice_posts(live: Live) -> list[Any]:
    return [r for r in live.hostile.requests if r.method == "POST" and r.path == "/v1/notices"]


async def test_a_notice_sent_from_the_page_reaches_the_operator(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    url, _ = await links.create_link(drive, "/docs/a.txt")
    key = url.split("#", 1)[1]
    live.hostile.requests.clear()
    page = await visit(browser, f"{live.url}/")
    await page.page.click("#notice-link")
    await page.page.wait_for_selector("#notice-form")
    # Sent empty: every element of §3.1 is marked on its own field, and nothing is sent.
    await page.page.click("#notice-send")
    await page.page.wait_for_selector("#notice-status.error")
    for field in ("notifier-name", "notifier-contact", "works", "locators", "explanation",
                  "good-faith", "accurate", "misrepresentation", "signature"):  # fmt: skip
        assert await page.page.is_visible(f"#{field}-error"), field
        assert await page.page.get_attribute(f"#{field}", "aria-invalid") == "true", field
        described = await page.page.get_attribute(f"#{field}", "aria-describedby") or ""
        assert f"{field}-error" in described.split(), field
    assert await page.page.evaluate("document.activeElement.id") == "notifier-name"
    assert notice_posts(live) == []
    await screenshot(page.page, "notice-form-errors")
    await fill_notice(page.page, url)
    await page.page.fill("#notifier-contact", "not a contact")
    await page.page.click("#notice-send")
    await page.page.wait_for_selector("#notifier-contact-error >> text=neither an e-mail")
    assert not await page.page.is_visible("#signature-error")  # a fixed field is cleared
    await page.page.fill("#notifier-contact", "legal@rights.example")
    assert not await page.page.is_visible("#notifier-contact-error")  # cleared as it is typed
    await screenshot(page.page, "notice-form")
    await page.page.click("#notice-send")
    receipt = await (await page.page.wait_for_selector("#notice-receipt")).inner_text()
    assert page.errors == []

    (sent,) = notice_posts(live)
    body = json.loads(sent.body)
    assert body["locators"] == [url.split("#")[0]]  # the link, never its key
    assert body["notifier"] == {"name": "Rights Holder Ltd", "contact": "legal@rights.example",
                                "role": "agent"}  # fmt: skip
    assert body["works"] == ["The Song, 2024", "The Album"] and body["scope"] == "file"
    assert body["good_faith"] and body["accurate_under_penalty"]
    assert body["misrepresentation_acknowledged"]
    for request in live.hostile.requests:
        assert key.encode() not in request.wire_bytes(), request.path

    (case,) = admin(live_data(tmp_path), "notices", "list")["cases"]
    assert case["case_id"] in receipt
    assert case["state"] == "received" and case["missing"] == [] and case["scope"] == "file"
    assert case["link_ids"] == [url.split("/l/")[1].split("#")[0]]


def incomplete(exchange: Exchange) -> bytes | None:
    """The server's answer for a notice it finds incomplete (compliance.md §3.1)."""
    if exchange.status != 201:
        return None
    receipt = json.loads(exchange.body)
    missing = ["explanation", "misrepresentation_acknowledged"]
    return json.dumps({**receipt, "state": "incomplete", "missing": missing}).encode()


async def test_the_apis_incomplete_answer_is_marked_on_each_field(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, _ = alice
    url, _ = await links.create_link(drive, "/docs/a.txt")
    rule = live.hostile.on("POST", "/v1/notices", incomplete, times=1)
    page = await visit(browser, f"{live.url}/app/notice")
    await fill_notice(page.page, url)
    await page.page.click("#notice-send")
    status = await (await page.page.wait_for_selector("#notice-status.error")).inner_text()
    assert rule.hits == 1
    assert "incomplete" in status and "nothing will be taken down" in status
    assert "send it again" in status and await page.page.is_enabled("#notice-send")
    assert await page.page.is_visible("#explanation-error")
    assert await page.page.is_visible("#misrepresentation-error")
    assert await page.page.get_attribute("#explanation", "aria-invalid") == "true"
    assert not await page.page.is_visible("#signature-error")
    assert await page.page.evaluate("document.activeElement.id") == "explanation"
    assert await page.page.locator("#notice-receipt").count() == 0


async def test_report_this_link_sends_the_key_in_the_report_body_only(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, _ = alice
    url, _ = await links.create_link(drive, "/docs/a.txt")
    key = url.split("#", 1)[1]
    live.hostile.requests.clear()
    page = await visit(browser, url)
    await page.page.wait_for_selector("#download")
    await page.page.click("#report-link")
    await page.page.wait_for_selector("#report-form")
    assert await page.page.input_value("#report-url") == url
    await page.page.check("#category-other_illegal")
    await page.page.fill("#description", "Stolen documents.")
    await page.page.click("#report-send")
    receipt = await (await page.page.wait_for_selector("#report-receipt")).inner_text()
    assert "disabled" in receipt
    assert page.errors == []
    reports = [r for r in live.hostile.requests if r.path == "/v1/abuse-reports"]
    assert len(reports) == 1
    assert json.loads(reports[0].body) == {
        "category": "other_illegal", "url": url, "description": "Stolen documents.",
        "contact": None,
    }  # fmt: skip
    for request in live.hostile.requests:
        if request is not reports[0]:
            assert key.encode() not in request.wire_bytes(), request.path
    # The report disabled the link at once, pending review.
    async with httpx.AsyncClient(base_url=live.url) as http:
        link_id = url.split("/l/")[1].split("#")[0]
        answer = await http.post(f"/v1/links/{link_id}/open")
    assert answer.status_code == 410 and answer.json()["reason"] == "abuse_review"


async def test_an_abuse_report_needs_a_link(live: Live, browser: Any) -> None:
    page = await visit(browser, f"{live.url}/app/report")
    await page.page.fill("#report-url", "https://example.org/somewhere")
    await page.page.click("#report-send")
    await page.page.wait_for_selector("#report-url-error >> text=not a link")
    assert not [r for r in live.hostile.requests if r.path == "/v1/abuse-reports"]


async def test_the_owner_files_a_counter_notice_against_a_decision(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    url, _ = await links.create_link(drive, "/docs/a.txt")
    notice = {
        "notifier": {"name": "Rita Holder", "contact": "rita@rights.example", "role": "principal"},
        "signature": "Rita Holder", "works": ["The Song"], "locators": [url.split("#")[0]],
        "explanation": "A copy of the song.", "good_faith": True, "accurate_under_penalty": True,
        "misrepresentation_acknowledged": True, "scope": "link",
    }  # fmt: skip
    async with httpx.AsyncClient(base_url=live.url) as http:
        answer = await http.post("/v1/notices", json=notice)
    case_id = answer.json()["notice_id"]
    data = live_data(tmp_path)
    subprocess.run([sys.executable, "-m", "sealbox", "admin", "operators", "add", "olga",
                    "--data", str(data)], check=True, capture_output=True)  # fmt: skip
    admin(data, "cases", "act", "--operator", "olga", case=case_id)

    page = await visit(browser, f"{live.url}/")
    await page.page.click("#counter-link")
    await log_in(page.page)
    await page.page.wait_for_selector("#counter-form")
    choice = page.page.locator(f"#case-{case_id}")
    assert await choice.is_enabled()
    await page.page.click("#counter-send")  # nothing chosen or filled in yet
    await page.page.wait_for_selector("#counter-name-error")
    assert await page.page.is_visible("#counter-statement-error")
    await choice.check()
    await page.page.fill("#counter-name", "Alice Owner")
    await page.page.fill("#counter-address", "1 Main Street\nSpringfield")
    await page.page.fill("#counter-phone", "+1 555 0100")
    for box in ("statement", "consent", "service"):
        await page.page.check(f"#counter-{box}")
    await page.page.fill("#counter-signature", "Alice Owner")
    await screenshot(page.page, "counter-notice-form")
    await page.page.click("#counter-send")
    receipt = await (await page.page.wait_for_selector("#counter-receipt")).inner_text()
    assert "restored between" in receipt
    assert page.errors == []
    shown = admin(data, "cases", "show", case=case_id)
    assert shown["state"] == "countered" and shown["restore_not_before"] is not None
    assert OWNER_PASSWORD.encode() not in b"".join(r.wire_bytes() for r in live.hostile.requests)


async def test_the_forms_fit_a_phone_screen(live: Live, browser: Any) -> None:
    """Usable at a phone's width: nothing wider than the screen, every control reachable."""
    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = await context.new_page()
    for path, form in (("/app/notice", "#notice-form"), ("/app/report", "#report-form")):
        await page.goto(f"{live.url}{path}")
        await page.wait_for_selector(form)
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 360, (path, wide)
    await screenshot(page, "report-form-phone")
    await context.close()
