# SPDX-License-Identifier: AGPL-3.0-or-later
"""Link options in the drive page (issue 18; spec/sharing.md "Links", "Password links";
http-api.md §10.1): a link made in the page with an expiry, a download limit and a password. The
server holds the limits, the SDK sees them, and a fresh browser context opens the link only with
the right password, once. The password and the link key never leave the pages."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sealbox.client.sdk import links

from .browser import CHROMIUM, Live, Owner, logged_in, screenshot, visit

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]
LINK_PASSWORD = "a long link password"


async def test_a_password_link_with_expiry_and_limit(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, data = alice
    owner = await logged_in(browser, live)
    await owner.page.click("text=docs/")
    row = owner.page.locator("#listing > li", has_text="a.txt")
    await row.get_by_role("button", name="Make a link to a.txt").click()
    await row.get_by_label("The link to a.txt expires").select_option(label="in 1 day")
    await row.get_by_label("Download limit (optional)").fill("1")
    await row.get_by_label("Password (optional)").fill("short")
    await row.get_by_role("button", name="Create link").click()
    await row.locator("text=at least 10 characters, or none").wait_for()
    assert not [r for r in live.hostile.requests if r.path == "/v1/links"]

    await row.get_by_label("Password (optional)").fill(LINK_PASSWORD)
    await screenshot(owner.page, "drive-link-options")
    await row.get_by_role("button", name="Create link").click()
    url = await row.locator("input.link-url").input_value()
    summary = await row.locator(".link-summary").inner_text()
    assert summary == "This link expires in 1 day, opens at most 1 time, needs the password."
    assert url.startswith(f"{live.url}/l/") and "#p" in url
    (owned,) = await links.list_links(drive)
    assert owned.path == "/docs/a.txt" and owned.view.max_downloads == 1
    assert owned.view.expires_at is not None
    assert abs(owned.view.expires_at - (time.time() + 86400)) < 600

    visitor = await visit(browser, url)  # a fresh context: no account, no storage
    await visitor.page.fill("#link-password", "not the password")
    await visitor.page.click("#password-form button")
    await visitor.page.wait_for_selector("text=Wrong password. Try again.")
    await visitor.page.fill("#link-password", LINK_PASSWORD)
    await visitor.page.click("#password-form button")
    await visitor.page.wait_for_selector("#download")
    assert await visitor.download("#download") == data["a.txt"]

    again = await visit(browser, url)  # the one open the limit allows is spent
    await again.page.fill("#link-password", LINK_PASSWORD)
    await again.page.click("#password-form button")
    alert = await again.page.wait_for_selector("#error")
    assert "download limit" in await alert.inner_text()

    fragment = url.split("#", 1)[1]
    for request in live.hostile.requests:
        wire = request.wire_bytes()
        assert LINK_PASSWORD.encode() not in wire and b"short" not in wire
        assert fragment[1:60].encode() not in wire, request.path
    assert owner.errors == [] and visitor.errors == []
