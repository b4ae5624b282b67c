# SPDX-License-Identifier: AGPL-3.0-or-later
"""Acknowledging removed items in the drive page (issue 18; spec/compliance.md §3.4): the button
signs the folder's next manifest without the items a published decision removed, as `sealbox
notices acknowledge PATH` does, so that the folder lists cleanly in the page and in the SDK."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sealbox.client.sdk import links

from .browser import CHROMIUM, Live, Owner
from .test_forms import live_data
from .test_removals_page import open_docs_in_drive, take_down

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]


async def test_acknowledging_a_removal_signs_a_manifest_without_it(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    file_url, _ = await links.create_link(drive, "/docs/a.txt")
    await take_down(live, live_data(tmp_path), file_url)
    before = await drive.folder_at("/docs")
    assert len(before.removed) == 1

    page = await open_docs_in_drive(browser, live)
    await page.page.wait_for_selector("#removed")
    await page.page.click("#acknowledge-removed")
    await page.page.wait_for_selector("#listing >> text=big.bin")
    await page.page.wait_for_selector("#removed", state="detached")
    assert not await page.page.is_visible("#withheld")
    assert not await page.page.is_visible("#acknowledge")
    assert page.errors == []

    after = await drive.folder_at("/docs")
    assert not after.removed and not after.withheld
    assert after.manifest.version == before.manifest.version + 1
    assert sorted(node.name for node in after.children) == ["big.bin", "deep"]
