# SPDX-License-Identifier: AGPL-3.0-or-later
"""The drop page in a real browser (issue 18; spec/sharing.md "Drop links"): a visitor without
an account opens a drop link and sends files sealed to the owner; the owner accepts them with the
SDK, which reads every chunk, and reads the same bytes. The drop's key (the fragment) and the
plaintext never leave the page."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from sealbox.client.sdk import drops, files
from sealbox.client.sdk.thumbnails import thumbnail_of
from sealbox.crypto.thumbnails import check_thumbnail

from .browser import BIG, CHROMIUM, Live, Owner, in_docs, screenshot, visit

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]


async def test_files_dropped_in_the_browser_reach_the_owner(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    url, _ = await drops.create_drop(drive, "/docs")
    made = {"report.pdf": os.urandom(BIG), "note.txt": b"dropped from a browser\n"}
    for name, content in made.items():
        (tmp_path / name).write_bytes(content)
    live.hostile.requests.clear()
    page = await visit(browser, url)
    await page.page.wait_for_selector("#drop-input")
    await page.page.set_input_files("#drop-input", [str(tmp_path / n) for n in made])
    await page.page.wait_for_selector("#drop-status >> text=Sent 2 files.")
    assert await page.page.locator("#drop-files li[data-state=sent]").count() == 2
    await screenshot(page.page, "drop-page")
    assert page.errors == []

    fragment = url.split("#", 1)[1]
    for request in live.hostile.requests:
        assert request.path.startswith("/v1/drops/") or not request.path.startswith("/v1/")
        wire = request.wire_bytes()
        assert fragment.encode() not in wire and fragment[1:].encode() not in wire
        assert made["report.pdf"][:64] not in wire and b"dropped from" not in wire
        assert b"report.pdf" not in wire  # the name is sealed to the owner too
    for seen in page.urls:
        assert seen.startswith(live.url + "/") and "#" not in seen

    (owned,) = await drops.list_drops(drive)
    assert sorted(p.opened().metadata.name for p in owned.pending) == sorted(made)
    for pending in owned.pending:
        path = await drops.accept(drive, pending)  # reads every chunk before signing
        got = b"".join([bytes(c) async for c in files.stream_file(drive, path)])
        assert got == made[pending.opened().metadata.name], path


async def test_a_damaged_drop_link_sends_nothing(live: Live, browser: Any, alice: Owner) -> None:
    drive, _ = alice
    url, _ = await drops.create_drop(drive, "/docs")
    live.hostile.requests.clear()
    page = await visit(browser, url[:-5])
    alert = await page.page.wait_for_selector("#error")
    assert "wrong or incomplete" in await alert.inner_text()
    assert await page.page.locator("#drop-input").count() == 0
    assert not [r for r in live.hostile.requests if r.path.startswith("/v1/")]


async def test_a_picture_dropped_in_the_browser_shows_in_the_owners_grid(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    url, _ = await drops.create_drop(drive, "/docs")
    picture = tmp_path / "dropped.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 30.0)  # a location, which the thumbnail leaves behind
    Image.new("RGB", (900, 300), (20, 120, 200)).save(picture, "JPEG", exif=exif.tobytes())
    page = await visit(browser, url)
    await page.page.set_input_files("#drop-input", str(picture))
    await page.page.wait_for_selector("#drop-status >> text=Sent 1 file.")
    (owned,) = await drops.list_drops(drive)
    (pending,) = owned.pending
    # The page made a thumbnail and sealed it with the dropped metadata: a JPEG of 128 pixels on
    # its long side, with no EXIF.
    thumb = thumbnail_of(pending.opened().metadata)
    assert thumb is not None and check_thumbnail(thumb) == thumb
    with Image.open(io.BytesIO(thumb)) as shown:
        assert shown.size == (128, 43) and not shown.getexif()
    await drops.accept(drive, pending)
    # The owner's accepted file keeps it, and the owner's page shows it in the grid.
    owner = await in_docs(live, browser)
    await owner.page.click("#grid-toggle")
    tile = "#listing li:has-text('dropped.jpg') .thumb"
    await owner.page.locator(tile).scroll_into_view_if_needed()
    await owner.page.wait_for_selector(f"{tile}[data-state=shown] img")
    assert not page.errors and not owner.errors
