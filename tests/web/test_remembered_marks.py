# SPDX-License-Identifier: AGPL-3.0-or-later
"""Freshness marks kept between visits (issue 18; spec/web-client.md, "What the page remembers"):
a server that serves a folder's older, validly signed listing on a later visit is caught by the
mark the earlier visit stored, in the same browser; a browser that never saw the folder cannot
tell, which is why the marks persist."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from sealbox.client.sdk import files
from sealbox.testing.hostile import Exchange

from .browser import CHROMIUM, Live, Owner, log_in, visit

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]


async def open_docs(page: Any, url: str) -> None:
    await page.goto(f"{url}/app/login")
    await log_in(page)
    await page.click("#listing >> text=docs/")


async def test_an_older_listing_on_a_later_visit_is_refused(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    docs = (await drive.folder_at("/docs")).folder_id
    path = f"/v1/folders/{base64.urlsafe_b64encode(docs).rstrip(b'=').decode()}"
    kept: list[bytes] = []

    def keep(exchange: Exchange) -> None:
        kept.append(exchange.body)

    recording = live.hostile.on("GET", path, keep)
    first = await visit(browser, f"{live.url}/")
    await open_docs(first.page, live.url)
    await first.page.wait_for_selector("#listing >> text=a.txt")
    await first.page.close()  # the visit ends: the session and keys are gone
    live.hostile.rules.remove(recording)

    (tmp_path / "new.txt").write_bytes(b"written after the first visit\n")
    await files.put(drive, [tmp_path / "new.txt"], "/docs", files.Reporter())
    # A second visit in the same browser sees the newer listing, and remembers its version.
    second = await first.context.new_page()
    await open_docs(second, live.url)
    await second.wait_for_selector("#listing >> text=new.txt")
    await second.close()
    live.hostile.on("GET", path, lambda exchange: kept[0])

    later = await first.context.new_page()
    await open_docs(later, live.url)
    await later.wait_for_selector("#error")
    assert "failed verification" in await later.inner_text("#error")
    assert await later.locator("#listing").count() == 0

    # A browser with no marks has nothing to hold the old listing to: it shows it.
    fresh = await visit(browser, f"{live.url}/")
    await open_docs(fresh.page, live.url)
    await fresh.page.wait_for_selector("#listing >> text=a.txt")
    assert "new.txt" not in await fresh.page.inner_text("#listing")
