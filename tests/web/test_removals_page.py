# SPDX-License-Identifier: AGPL-3.0-or-later
"""Removed items in a real browser (issue 18; spec/compliance.md §3.4): after a takedown
everywhere, the owner's folder still has a signed manifest naming the removed file. The drive page
and a folder link page check the server's removal claim as the SDK does (the public decision, and
in the owner's drive the owner's own notices) and say the item was removed by the operator, naming
the decision, not that the server withheld it. A claim naming no published decision is still
reported as withholding."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealbox.client.sdk import links
from sealbox.testing.hostile import Exchange

from .browser import CHROMIUM, Live, Owner, log_in, screenshot, visit
from .test_forms import admin, live_data

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]

NOTICE = {
    "notifier": {"name": "Rights Co", "contact": "legal@rights.example", "role": "agent"},
    "signature": "Jane Doe", "works": ["Our Song"], "explanation": "an unlicensed copy",
    "good_faith": True, "accurate_under_penalty": True, "misrepresentation_acknowledged": True,
    "scope": "everywhere",
}  # fmt: skip


async def take_down(live: Live, data: Path, url: str) -> str:
    """A notice for ``url`` removing its file everywhere, acted on by an operator; the puid."""
    async with httpx.AsyncClient(base_url=live.url) as http:
        answer = await http.post("/v1/notices", json={**NOTICE, "locators": [url.split("#")[0]]})
    case_id = answer.json()["notice_id"]
    subprocess.run([sys.executable, "-m", "sealbox", "admin", "operators", "add", "olga",
                    "--data", str(data)], check=True, capture_output=True)  # fmt: skip
    acted = admin(data, "cases", "act", "--operator", "olga", case=case_id)
    assert acted["state"] == "actioned"
    return str(acted["decision"]["puid"])


async def open_docs_in_drive(browser: Any, live: Live) -> Any:
    page = await visit(browser, f"{live.url}/")
    await page.page.click("#login-link")
    await log_in(page.page)
    await page.page.click("text=docs/")
    await page.page.wait_for_selector("nav.crumbs >> text=docs")
    return page


async def test_a_takedown_everywhere_shows_as_a_removal_not_tampering(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    file_url, _ = await links.create_link(drive, "/docs/a.txt")
    folder_url, _ = await links.create_link(drive, "/docs")
    puid = await take_down(live, live_data(tmp_path), file_url)
    said = f"removed by the operator after a copyright notice (decision {puid})"

    page = await open_docs_in_drive(browser, live)
    await page.page.wait_for_selector("#removed")
    assert said in await page.page.inner_text("#removed")
    assert not await page.page.is_visible("#withheld")
    listing = await page.page.inner_text("#listing")
    assert "big.bin" in listing and "a.txt" not in listing
    await screenshot(page.page, "drive-removed")
    assert page.errors == []

    visitor = await visit(browser, folder_url)
    await visitor.page.wait_for_selector("#removed")
    assert said in await visitor.page.inner_text("#removed")
    assert not await visitor.page.is_visible("#withheld")
    assert "big.bin" in await visitor.page.inner_text("#listing")
    assert visitor.errors == []

    # The public statement was read; the owner's drive also read the owner's notices.
    paths = [r.path for r in live.hostile.requests]
    assert paths.count(f"/v1/decisions/{puid}") >= 2 and "/v1/notices/mine" in paths


def claim_unpublished(exchange: Exchange) -> bytes | None:
    """Name another (well-formed, unpublished) decision in the listing's removal section."""
    body = exchange.body
    at = body.rfind(b"RMV1")  # the section closes the listing
    if at < 0:
        return None
    puid_at = at + 8 + 16
    fake = b"00000000-0000-4000-8000-000000000000"
    return body[:puid_at] + fake + body[puid_at + 36 :]


async def test_a_removal_claim_without_a_published_decision_stays_withheld(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    file_url, _ = await links.create_link(drive, "/docs/a.txt")
    folder_url, _ = await links.create_link(drive, "/docs")
    await take_down(live, live_data(tmp_path), file_url)
    live.hostile.on("GET", r"/v1/links/[^/]+/folders/[^/]+", claim_unpublished)
    visitor = await visit(browser, folder_url)
    await visitor.page.wait_for_selector("#withheld")
    warning = await visitor.page.inner_text("#withheld")
    assert re.search(r"withheld 1 item", warning)
    assert "no decision is published under that id" in warning
    assert not await visitor.page.is_visible("#removed")
    # The page asked for the claimed decision, and the server has none under that id.
    paths = [r.path for r in live.hostile.requests]
    assert "/v1/decisions/00000000-0000-4000-8000-000000000000" in paths
