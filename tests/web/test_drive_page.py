# SPDX-License-Identifier: AGPL-3.0-or-later
"""Log in and browse in a real browser (issue 18): an account made and filled with the SDK logs in
from the page, its drive lists and verifies with breadcrumbs, and files download byte for byte.
The password never leaves the page (only the auth key derived from it is sent), and nothing
secret is written to the browser's storage."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealbox.client.sdk import files
from sealbox.client.sdk.account import login
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.state import LocalState
from sealbox.testing.hostile import Exchange

from .browser import BIG, CHROMIUM, OWNER_PASSWORD, Live, Owner, screenshot, visit
from .browser import log_in as fill_log_in

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]
if os.environ.get("SEALBOX_REQUIRE_BROWSER") == "1" and not CHROMIUM.exists():
    raise RuntimeError("SEALBOX_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")


async def log_in(page: Any, password: str) -> None:
    await fill_log_in(page, " Alice ", password)  # normalised as the server stores it


async def test_log_in_browse_and_download(live: Live, browser: Any, alice: Owner) -> None:
    _, data = alice
    live.hostile.requests.clear()
    page = await visit(browser, f"{live.url}/")
    await page.page.click("#login-link")
    await page.page.wait_for_selector("#login-form")
    await log_in(page.page, "not the password")
    await page.page.wait_for_selector("#status.error")
    assert "Wrong username or password" in await page.page.inner_text("#status")
    await log_in(page.page, OWNER_PASSWORD)
    await page.page.wait_for_selector("#listing >> text=docs/")
    assert page.page.url == f"{live.url}/app/drive"
    await page.page.click("text=docs/")
    row = page.page.locator("#listing li", has_text="a.txt")
    async with page.page.expect_download() as info:
        await row.locator("text=Download").click()
    assert Path(await (await info.value).path()).read_bytes() == data["a.txt"]
    await page.page.click("text=deep/")
    await page.page.wait_for_selector("nav.crumbs >> text=deep")
    await screenshot(page.page, "drive")
    row = page.page.locator("#listing li", has_text="b.bin")
    async with page.page.expect_download() as info:
        await row.locator("text=Download").click()
    assert Path(await (await info.value).path()).read_bytes() == data["deep/b.bin"]
    await page.page.click("nav.crumbs >> text=My drive")
    await page.page.wait_for_selector("#listing >> text=docs/")
    # The one console error is the browser's note on the refused login (401).
    assert all("401" in e for e in page.errors)
    for seen in page.urls:
        assert seen.startswith(live.url + "/"), seen
    for request in live.hostile.requests:
        assert OWNER_PASSWORD.encode() not in request.wire_bytes()
        assert b"not the password" not in request.wire_bytes()
    storage = await page.page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
        " document.cookie])"
    )
    # Only the remembered account settings (user id, server id, salt, costs: keys.md) are kept.
    assert "password" not in storage and OWNER_PASSWORD not in storage
    assert storage.count("sealbox.account.") == 1 and '"salt' in storage
    assert await page.context.cookies() == []


async def test_files_uploaded_in_the_browser_download_with_the_sdk(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    made = {"note.txt": "héllo from the browser\n".encode(), "two-chunks.bin": os.urandom(BIG)}
    for name, content in made.items():
        (tmp_path / name).write_bytes(content)
    page = await visit(browser, f"{live.url}/app/login")
    await log_in(page.page, OWNER_PASSWORD)
    await page.page.click("text=docs/")
    # The root page has an upload box too: wait until the folder shown is /docs.
    await page.page.wait_for_selector("nav.crumbs >> text=docs")
    await page.page.wait_for_selector("#upload-input")
    live.hostile.requests.clear()
    await page.page.set_input_files("#upload-input", [str(tmp_path / n) for n in made])
    await page.page.wait_for_selector("#upload-status >> text=Uploaded 2 files.")
    await page.page.wait_for_selector("#listing >> text=two-chunks.bin")
    assert page.errors == []
    for name, content in made.items():
        got = b"".join([bytes(c) async for c in files.stream_file(drive, f"/docs/{name}")])
        assert got == content, name
    # What went to the server is sealed: no byte of either plaintext, no name.
    for request in live.hostile.requests:
        wire = request.wire_bytes()
        assert b"two-chunks" not in wire and made["two-chunks.bin"][:64] not in wire
        assert "héllo".encode() not in wire
    puts = [r for r in live.hostile.requests if r.method == "PUT"]
    assert len(puts) == 3  # one chunk, then two: sealed and sent chunk by chunk


async def test_a_chunk_the_server_refuses_stops_the_upload_and_commits_nothing(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    """The page sends two chunks at once (drive/upload.js). When the server refuses one, the page
    waits for the other, says what happened, and sends no folder transaction: the file is not in
    the drive, and no promise of the upload is left to fail unseen in the page."""
    source = tmp_path / "three-chunks.bin"
    source.write_bytes(os.urandom(2 * 4 * 1024 * 1024 + 1000))

    def refuse_chunk_1(exchange: Exchange) -> bytes | None:
        if not exchange.request.path.endswith("/chunks/1"):
            return None
        exchange.status = 503
        return b'{"error": "unavailable", "message": "try again later"}'

    page = await visit(browser, f"{live.url}/app/login")
    await log_in(page.page, OWNER_PASSWORD)
    await page.page.wait_for_selector("#upload-input")
    live.hostile.requests.clear()
    rule = live.hostile.on("PUT", r"/v1/uploads/[^/]+/chunks/\d+", refuse_chunk_1)
    await page.page.set_input_files("#upload-input", [str(source)])
    status = await page.page.wait_for_selector("#upload-status.error")
    assert "(503)" in await status.inner_text()
    assert rule.hits == 1
    assert not [r for r in live.hostile.requests if r.path == "/v1/transactions"]
    await page.page.wait_for_timeout(300)
    assert await page.page.query_selector("#listing >> text=three-chunks.bin") is None
    # Chromium logs the refused request itself; nothing else may reach the console.
    assert [e for e in page.errors if "status of 503" not in e] == []


async def test_sign_up_in_the_browser_then_the_sdk_logs_in(
    live: Live, browser: Any, tmp_path: Path
) -> None:
    """Keys made in the page follow the spec byte for byte: the SDK logs in to the account the
    page made and reads the file the page uploaded. The recovery key is shown once, never sent."""
    password = "carol's long password"
    page = await visit(browser, f"{live.url}/")
    await page.page.click("#signup-link")
    await page.page.fill("#new-username", "Carol")
    await page.page.fill("#new-password", password)
    await page.page.click("#signup-form button")
    shown = await (await page.page.wait_for_selector("#recovery-key")).inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){13}", shown)
    await screenshot(page.page, "signup-recovery-key")
    await page.page.click("#recovery-done")
    await page.page.wait_for_selector("#listing >> text=This folder is empty.")
    (tmp_path / "first.txt").write_bytes(b"made in the browser\n")
    await page.page.set_input_files("#upload-input", str(tmp_path / "first.txt"))
    await page.page.wait_for_selector("#listing >> text=first.txt")
    assert page.errors == []
    for request in live.hostile.requests:
        wire = request.wire_bytes()
        assert password.encode() not in wire and shown.replace("-", "").encode() not in wire
        assert shown.encode() not in wire
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        state = LocalState(tmp_path / "homes" / "carol")
        drive = Drive(await login(Api(http), state, live.url, "carol", password))
        got = b"".join([bytes(c) async for c in files.stream_file(drive, "/first.txt")])
    assert got == b"made in the browser\n"


async def test_link_made_in_the_page_opens_in_a_fresh_context_then_revoked(
    live: Live, browser: Any, alice: Owner
) -> None:
    _, data = alice
    owner = await visit(browser, f"{live.url}/app/login")
    await log_in(owner.page, OWNER_PASSWORD)
    await owner.page.click("text=docs/")
    row = owner.page.locator("#listing li", has_text="a.txt")
    await row.get_by_role("button", name="Make a link to a.txt").click()
    await row.get_by_role("button", name="Create link").click()  # no expiry, limit or password
    url = await row.locator("input.link-url").input_value()
    assert url.startswith(f"{live.url}/l/") and "#k" in url
    visitor = await visit(browser, url)  # another context: no account, no storage
    await visitor.page.wait_for_selector("#download")
    assert await visitor.download("#download") == data["a.txt"]
    fragment = url.split("#", 1)[1]
    for request in live.hostile.requests:
        assert fragment[1:].encode() not in request.wire_bytes()
    await row.locator("text=Revoke").click()
    await row.locator("text=Link revoked.").wait_for()
    again = await visit(browser, url)
    alert = await again.page.wait_for_selector("#error")
    assert "revoked" in await alert.inner_text()
