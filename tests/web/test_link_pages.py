# SPDX-License-Identifier: AGPL-3.0-or-later
"""The link pages in a real browser (issue 18): files uploaded with the SDK open from their links
in a fresh browser context without an account, verify, decrypt chunk by chunk and save byte for
byte; the fragment never leaves the page; a tampered chunk saves nothing.

Debian's Chromium runs the committed build under the server's real client policy, so these tests
also show that the policy (no inline script, 'wasm-unsafe-eval' only, connect-src 'self') leaves
the client working, and that it makes no request to any other origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sealbox.client.sdk import links
from sealbox.testing.hostile import Exchange

from .browser import BIG, CHROMIUM, FAST, Live, Owner, Visit, screenshot, visit

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]
TAMPERED = "failed verification"


def assert_fragment_stayed(live: Live, visit: Visit, url: str) -> None:
    """No request, of the browser or as the server saw it, carries the fragment or the key."""
    fragment = url.split("#", 1)[1]
    secrets = {fragment, fragment[1:], fragment[1:40]}
    for seen in visit.urls:
        assert seen.startswith(live.url + "/"), seen  # no other origin, ever
        assert "#" not in seen and not any(s in seen for s in secrets)
    assert live.hostile.requests
    for request in live.hostile.requests:
        wire = request.wire_bytes()
        assert not any(s.encode() in wire for s in secrets), request.path
        assert not any(k.lower() == b"referer" for k, _ in request.headers), request.path


async def test_file_link_downloads_in_a_fresh_browser(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, data = alice
    url, _ = await links.create_link(drive, "/docs/big.bin")
    live.hostile.requests.clear()
    page = await visit(browser, url)
    await page.page.wait_for_selector("#download")
    assert await page.page.inner_text("h1") == "big.bin"
    assert await page.download("#download") == data["big.bin"]
    assert await page.page.inner_text("[data-state=saved]") == "Saved."
    await screenshot(page.page, "link-file")
    assert page.errors == []
    assert_fragment_stayed(live, page, url)
    opened = [r for r in live.hostile.requests if r.path.endswith("/open")]
    assert len(opened) == 1 and opened[0].method == "POST"


async def test_folder_link_lists_verifies_and_downloads(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, data = alice
    url, _ = await links.create_link(drive, "/docs")
    live.hostile.requests.clear()
    page = await visit(browser, url)
    await page.page.wait_for_selector("#listing")
    text = await page.page.inner_text("#listing")
    assert "a.txt" in text and "big.bin" in text and "deep/" in text
    row = page.page.locator("#listing li", has_text="a.txt")
    async with page.page.expect_download() as info:
        await row.locator("button").click()
    assert Path(await (await info.value).path()).read_bytes() == data["a.txt"]
    await page.page.click("text=deep/")
    await page.page.wait_for_selector("nav.crumbs >> text=deep")
    row = page.page.locator("#listing li", has_text="b.bin")
    async with page.page.expect_download() as info:
        await row.locator("button").click()
    assert Path(await (await info.value).path()).read_bytes() == data["deep/b.bin"]
    await screenshot(page.page, "link-folder-deep")
    await page.page.click("nav.crumbs >> text=docs")
    await page.page.wait_for_selector("#listing >> text=big.bin")
    assert page.errors == []
    assert_fragment_stayed(live, page, url)


async def test_password_link_wrong_then_right(live: Live, browser: Any, alice: Owner) -> None:
    drive, data = alice
    secret = links.PasswordSettings("horse battery staple correct", **FAST)
    url, _ = await links.create_link(drive, "/docs/a.txt", password=secret)
    live.hostile.requests.clear()
    page = await visit(browser, url)
    await page.page.fill("#link-password", "not the password")
    # The browser's own late requests (its icon) must not be counted as the page's.
    await page.page.wait_for_load_state("networkidle")
    before = len(live.hostile.requests)
    await page.page.click("#password-form button")
    await page.page.wait_for_selector("text=Wrong password")
    assert len(live.hostile.requests) == before  # checked in the page, nothing sent
    await page.page.fill("#link-password", "horse battery staple correct")
    await page.page.click("#password-form button")
    await page.page.wait_for_selector("#download")
    assert await page.download("#download") == data["a.txt"]
    assert_fragment_stayed(live, page, url)
    for request in live.hostile.requests:
        assert b"horse battery" not in request.wire_bytes()


def flip_in_second_chunk(exchange: Exchange) -> bytes | None:
    if exchange.status != 200 or len(exchange.body) < BIG:
        return None
    body = bytearray(exchange.body)
    body[-500] ^= 1  # inside chunk 1: chunk 0 has already verified and reached the sink
    return bytes(body)


async def test_tampered_chunk_shows_an_integrity_error_and_saves_nothing(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, _ = alice
    url, _ = await links.create_link(drive, "/docs/big.bin")
    rule = live.hostile.on("GET", r"/v1/links/[^/]+/contents/[^/]+", flip_in_second_chunk)
    page = await visit(browser, url)
    await page.page.click("#download")
    alert = await page.page.wait_for_selector("[data-state=failed]")
    assert TAMPERED in await alert.inner_text()
    await screenshot(page.page, "link-file-tampered")
    await page.page.wait_for_timeout(500)
    assert rule.hits == 1
    # Nothing saved, not even the chunk that verified: the service-worker stream was errored, and
    # Chromium ends such a download as failed (CDP reports it "canceled") and keeps no file.
    assert [await download.failure() for download in page.downloads] == ["canceled"]


def break_last_record(exchange: Exchange) -> bytes | None:
    """A listing whose last child record is not the one the signed manifest hashes."""
    if exchange.status != 200:
        return None
    body = bytearray(exchange.body)
    body[-1] ^= 1
    return bytes(body)


def break_manifest(exchange: Exchange) -> bytes | None:
    """A listing whose manifest names another folder (the framing's head is 16 bytes)."""
    if exchange.status != 200:
        return None
    body = bytearray(exchange.body)
    body[16 + 10] ^= 1
    return bytes(body)


async def test_tampered_listings_are_reported_or_refused(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, _ = alice
    url, _ = await links.create_link(drive, "/docs")
    rule = live.hostile.on("GET", r"/v1/links/[^/]+/folders/[^/]+", break_last_record, times=1)
    page = await visit(browser, url)
    warning = await page.page.wait_for_selector("#withheld")
    assert "withheld 1 item" in await warning.inner_text()
    assert await page.page.locator("#listing li").count() == 2  # the rest stays reachable
    assert rule.hits == 1

    rule = live.hostile.on("GET", r"/v1/links/[^/]+/folders/[^/]+", break_manifest)
    page = await visit(browser, url)
    alert = await page.page.wait_for_selector("#error")
    assert TAMPERED in await alert.inner_text()
    assert rule.hits == 1
    assert await page.page.locator("#listing").count() == 0  # nothing of that listing shown
