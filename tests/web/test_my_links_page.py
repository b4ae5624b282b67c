# SPDX-License-Identifier: AGPL-3.0-or-later
"""The list of one's links in the drive page (issue 18): links made with the SDK are listed with
their ids, the path of the file or folder each opens (names opened in the page, the server gives
only node ids), expiry and downloads; Revoke in the page ends a link, which the SDK then no longer
lists and a visitor can no longer open."""

from __future__ import annotations

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


async def test_my_links_lists_what_each_opens_and_revokes(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, _ = alice
    file_url, file_view = await links.create_link(drive, "/docs/a.txt", max_downloads=3)
    folder_url, folder_view = await links.create_link(drive, "/docs/deep", expires_in=86400)
    file_id = file_url.split("/l/")[1].split("#")[0]
    folder_id = folder_url.split("/l/")[1].split("#")[0]

    page = await logged_in(browser, live)
    await page.page.click("#open-links")
    await page.page.wait_for_selector("#links")
    file_row = await page.page.inner_text(f"#link-{file_id}")
    assert "File /docs/a.txt" in file_row and file_id in file_row
    assert "never expires" in file_row and "0 of 3 downloads" in file_row
    folder_row = await page.page.inner_text(f"#link-{folder_id}")
    assert "Folder /docs/deep" in folder_row and "expires 20" in folder_row
    assert "0 downloads" in folder_row
    await screenshot(page.page, "drive-my-links")

    await page.page.click(f"#revoke-{file_id}")
    await page.page.wait_for_selector(f"#link-{file_id}", state="detached")
    await page.page.wait_for_selector(f"#links #link-{folder_id}")  # listed again
    assert not await page.page.is_visible(f"#link-{file_id}")
    assert page.errors == []
    left = [v.link_id for v in (await drive.api.links()).links]
    assert left == [folder_view.link_id] and file_view.link_id not in left

    visitor = await visit(browser, file_url)
    await visitor.page.wait_for_selector("#error")
    assert "does not exist, was revoked" in await visitor.page.inner_text("#error")
