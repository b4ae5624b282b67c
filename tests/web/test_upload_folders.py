# SPDX-License-Identifier: AGPL-3.0-or-later
"""Folder uploads in a real browser (issue 18): a folder picked with the folder input, or dropped
on the drop zone, is sealed file by file and lands in the drive as the same tree, with a progress
bar per file and one for the whole upload; the SDK then reads every file back byte for byte."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from sealbox.client.sdk import files

from .browser import BIG, CHROMIUM, OWNER_PASSWORD, Live, Owner, visit
from .test_drive_page import log_in

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]


def make_tree(root: Path) -> dict[str, bytes]:
    tree = {
        "a.txt": "première\n".encode(),
        "sub/b.bin": os.urandom(BIG),
        "sub/deeper/c.txt": b"third\n",
    }
    for path, content in tree.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    return tree


async def open_drive(live: Live, browser: Any) -> Any:
    page = await visit(browser, f"{live.url}/app/login")
    await log_in(page.page, OWNER_PASSWORD)
    await page.page.wait_for_selector("#upload-folder-input")
    return page


async def assert_in_drive(drive: Any, top: str, tree: dict[str, bytes]) -> None:
    for path, content in tree.items():
        got = b"".join([bytes(c) async for c in files.stream_file(drive, f"/{top}/{path}")])
        assert got == content, path


async def test_a_picked_folder_uploads_as_a_tree_with_progress_per_file(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    tree = make_tree(tmp_path / "album")
    page = await open_drive(live, browser)
    await page.page.set_input_files("#upload-folder-input", str(tmp_path / "album"))
    await page.page.wait_for_selector("#upload-status >> text=Uploaded 3 files.")
    await page.page.wait_for_selector("#listing >> text=album/")
    rows = await page.page.locator("#upload-files li").all_inner_texts()
    assert sorted(r.strip() for r in rows) == sorted(f"album/{p}" for p in tree)
    values = await page.page.eval_on_selector_all(
        "#upload-files progress", "bars => bars.map(b => b.value)"
    )
    assert values == [1, 1, 1]
    assert page.errors == []
    await assert_in_drive(drive, "album", tree)
    # The new folders list and verify in the page, down to the deepest.
    for name in ("album", "sub", "deeper"):
        await page.page.click(f"#listing >> text='{name}/'")
        await page.page.wait_for_selector(f"nav.crumbs >> text='{name}'")
    await page.page.wait_for_selector("#listing >> text=c.txt")

    # The same name again is refused before anything is sent.
    before = len(live.hostile.requests)
    await page.page.click("nav.crumbs >> text=My drive")
    await page.page.wait_for_selector("#listing >> text=album/")
    await page.page.set_input_files("#upload-folder-input", str(tmp_path / "album"))
    await page.page.wait_for_selector('#upload-status >> text="album" is already in this folder.')
    assert not [r for r in live.hostile.requests[before:] if r.method in ("POST", "PUT")]


async def test_a_dropped_folder_uploads_as_a_tree(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    tree = make_tree(tmp_path / "dropped")
    (tmp_path / "dropped" / "empty").mkdir()
    page = await open_drive(live, browser)
    # A drop from the file manager, as Chromium receives it (CDP Input.dispatchDragEvent).
    box = await page.page.locator("#dropzone").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = await page.context.new_cdp_session(page.page)
    data = {"items": [], "files": [str(tmp_path / "dropped")], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        await cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    await page.page.wait_for_selector("#upload-status >> text=Uploaded 3 files.")
    assert page.errors == []
    await assert_in_drive(drive, "dropped", tree)
    await page.page.click("#listing >> text='dropped/'")
    await page.page.wait_for_selector("#listing >> text=empty/")  # an empty folder came too
