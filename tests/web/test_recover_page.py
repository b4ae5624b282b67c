# SPDX-License-Identifier: AGPL-3.0-or-later
"""The recovery page in a real browser (issue 18; spec/keys.md, "Recovery key"): an account made
in the page is recovered in a fresh browser context with the recovery key shown at sign-up and a
new password; the new password logs in from the page and the SDK reads the account's files. The
recovery key (its text or its bytes) and the passwords never leave the page; a mistyped key sends
nothing."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealbox.client.sdk import files
from sealbox.client.sdk.account import login
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.state import LocalState
from sealbox.crypto import recovery

from .browser import CHROMIUM, Live, log_in, logged_in, screenshot, visit

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]

FIRST = "dora's first password"
SECOND = "dora's second password"


async def sign_up_with_a_file(browser: Any, live: Live, tmp_path: Path) -> str:
    """Dora signs up in the page and uploads first.txt; the recovery key shown."""
    page = await visit(browser, f"{live.url}/")
    await page.page.click("#signup-link")
    await page.page.fill("#new-username", "dora")
    await page.page.fill("#new-password", FIRST)
    await page.page.click("#signup-form button")
    shown = await (await page.page.wait_for_selector("#recovery-key")).inner_text()
    await page.page.click("#recovery-done")
    (tmp_path / "first.txt").write_bytes(b"kept through recovery\n")
    await page.page.set_input_files("#upload-input", str(tmp_path / "first.txt"))
    await page.page.wait_for_selector("#listing >> text=first.txt")
    await page.context.close()
    return shown


async def test_recover_in_a_fresh_context_then_log_in_with_the_new_password(
    live: Live, browser: Any, tmp_path: Path
) -> None:
    shown = await sign_up_with_a_file(browser, live, tmp_path)
    live.hostile.requests.clear()

    page = await visit(browser, f"{live.url}/app/login")
    await page.page.click("#recover-link")
    await page.page.wait_for_selector("#recover-form")
    await page.page.fill("#recover-username", "dora")
    await page.page.fill("#recover-key", "AAAA" + shown[4:])  # a typo: the checksum fails
    await page.page.fill("#recover-password", SECOND)
    await page.page.click("#recover-form button")
    await page.page.wait_for_selector("#status.error")
    assert "typo" in await page.page.inner_text("#status")
    assert not any(r.path.startswith("/v1/recovery") for r in live.hostile.requests)

    await page.page.fill("#recover-key", shown.lower().replace("-", " "))  # any case and spacing
    await screenshot(page.page, "recover-form")
    await page.page.click("#recover-form button")
    await page.page.wait_for_selector("#listing >> text=first.txt")
    assert page.page.url == f"{live.url}/app/drive"
    assert page.errors == []
    paths = [r.path for r in live.hostile.requests]
    assert "/v1/recovery" in paths and "/v1/recovery-reset" in paths
    await page.context.close()

    # Nothing that opens the account left the page: not the key in any form, nor a password.
    secret = recovery.parse_recovery_key(shown).secret_bytes()
    forms = [shown, shown.replace("-", ""), shown.lower().replace("-", " ")]
    leaks = [f.encode() for f in forms] + [secret, base64.urlsafe_b64encode(secret).rstrip(b"=")]
    leaks += [FIRST.encode(), SECOND.encode()]
    for request in live.hostile.requests:
        wire = request.wire_bytes()
        assert not any(leak in wire for leak in leaks), request.path

    # The new password logs in from the page; the old one no longer does.
    again = await logged_in(browser, live, "/app/login", "dora", FIRST)
    await again.page.wait_for_selector("#status.error")
    await log_in(again.page, "dora", SECOND)
    await again.page.wait_for_selector("#listing >> text=first.txt")

    # The SDK, on a device that never saw the account, logs in and reads the file.
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        state = LocalState(tmp_path / "homes" / "dora")
        drive = Drive(await login(Api(http), state, live.url, "dora", SECOND))
        got = b"".join([bytes(c) async for c in files.stream_file(drive, "/first.txt")])
    assert got == b"kept through recovery\n"
