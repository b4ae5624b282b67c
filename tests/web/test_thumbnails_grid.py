# SPDX-License-Identifier: AGPL-3.0-or-later
"""Thumbnails in the drive's grid view (issue 18; spec/metadata.md, "Thumbnails"): a picture
uploaded in the page gets a thumbnail made in the page (no EXIF), one put by the reference client
shows its Pillow thumbnail, and a forged one is never shown as a picture."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from msgspec.structs import replace as struct_replace
from PIL import Image

from sealbox.client.sdk import files
from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.thumbnails import thumbnail_of
from sealbox.client.sdk.transfer_options import TransferOptions
from sealbox.client.sdk.transfers import seal_small
from sealbox.crypto.layout import b64url
from sealbox.crypto.thumbnails import check_thumbnail
from sealbox.protocol.listing import encode_listing, parse_listing
from sealbox.testing.hostile import Exchange

from .browser import CHROMIUM, OWNER_PASSWORD, Live, Owner, in_docs, screenshot

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]
GPS_IFD = 0x8825
TILE = "#listing li:has-text('{}') .thumb"


def photo(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> Path:
    """A camera-like JPEG whose EXIF holds a location."""
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD)[2] = (48.0, 51.0, 30.0)  # GPSLatitude
    Image.new("RGB", size, colour).save(path, "JPEG", exif=exif.tobytes())
    return path


def cli_put(live: Live, tmp: Path, local: Path) -> None:
    """`sealbox login` and `sealbox put` into /docs/, in a process of their own."""
    env = {
        **os.environ,
        "SEALBOX_SERVER": live.url,
        "SEALBOX_HOME": str(tmp / "cli-home"),
        "SEALBOX_PASSWORD": OWNER_PASSWORD,
    }
    for args in (["login", "alice"], ["put", str(local), "/docs/"]):
        subprocess.run(
            [sys.executable, "-m", "sealbox", *args], env=env, check=True, capture_output=True,
            stdin=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip


async def put_with_thumbnail(drive: Drive, local: Path) -> None:
    """What `sealbox put` does for a picture: the reference client's Pillow thumbnail."""
    await files.put(
        drive, [local], "/docs/", files.Reporter(), options=TransferOptions(thumbnails=True)
    )


async def test_grid_shows_thumbnails_made_in_the_page_and_by_the_cli(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    await anyio.to_thread.run_sync(
        cli_put, live, tmp_path, photo(tmp_path / "from-cli.jpg", (30, 140, 60))
    )
    page_photo = photo(tmp_path / "from-page.jpg", (200, 60, 30), (480, 900))
    clear = tmp_path / "from-page.png"
    Image.new("RGBA", (300, 300), (40, 80, 220, 128)).save(clear, "PNG")
    page = await in_docs(live, browser)
    await page.page.set_input_files("#upload-input", [str(page_photo), str(clear)])
    await page.page.wait_for_selector("#upload-status >> text=Uploaded 2 files.")

    # List view first: no tile shows, so no thumbnail was decoded yet (lazy).
    assert await page.page.locator(".thumb[data-state=shown]").count() == 0
    await page.page.click("#grid-toggle")
    assert await page.page.get_attribute("#grid-toggle", "aria-pressed") == "true"
    for name in ("from-cli.jpg", "from-page.jpg", "from-page.png"):
        # Tiles load as they scroll into view (the upload's per-file list sits above the listing).
        await page.page.locator(TILE.format(name)).scroll_into_view_if_needed()
        await page.page.wait_for_selector(f"{TILE.format(name)}[data-state=shown] img")
    img = page.page.locator(f"{TILE.format('from-page.jpg')} img")
    assert await img.get_attribute("alt") == "Thumbnail of from-page.jpg"
    width = await img.evaluate("(i) => [i.naturalWidth, i.naturalHeight]")
    assert width == [68, 128]  # 480 x 900 scaled to 128 on its long side
    assert "No preview" in await page.page.inner_text(TILE.format("a.txt"))
    await screenshot(page.page, "drive-grid")
    assert page.errors == []

    # The SDK reads the page's thumbnails back: sealed in the metadata, JPEG, no EXIF.
    docs = await drive.folder_at("/docs")
    for name in ("from-page.jpg", "from-page.png"):
        child = docs.child(name)
        assert child is not None
        picture = thumbnail_of(child.metadata)
        assert picture is not None and check_thumbnail(picture) == picture
        with Image.open(io.BytesIO(picture)) as thumb:
            assert thumb.format == "JPEG" and not thumb.getexif()
            assert max(thumb.size) == 128


def flip_thumbnail_of(node_id: bytes) -> Any:
    """A listing in which one byte of ``node_id``'s sealed metadata, in its thumbnail, changed."""

    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200:
            return None
        listing = parse_listing(exchange.body)
        for n, child in enumerate(listing.children):
            if child.node_id == node_id:
                record = bytearray(child.record)
                record[-400] ^= 1  # inside the sealed metadata, past the name: the thumbnail
                listing.children[n] = struct_replace(child, record=bytes(record))
        return encode_listing(listing)

    return rewrite


async def test_a_forged_thumbnail_is_never_shown(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    # A writer's thumbnail that passes the marker rules but is no picture: a placeholder says so.
    local = tmp_path / "broken.jpg"
    local.write_bytes(b"not a picture")
    sealed = seal_small(local, "broken.jpg")
    head = "ffd8ffdb00040000ffc0000b080008000801011100ffda0008010100003f00"
    undecodable = bytes.fromhex(head) + b"\x00\x01\x02\x03\xff\xd9"  # SOI DQT SOF SOS, junk, EOI
    metadata = struct_replace(sealed.metadata, thumbnail=check_thumbnail(undecodable))
    docs = await drive.folder_at("/docs")
    change = Change()
    drive.add_file(change, docs, metadata, sealed.file_key, inline=sealed.inline)
    await drive.commit(change)
    page = await in_docs(live, browser)
    await page.page.click("#grid-toggle")
    tile = await page.page.wait_for_selector(f"{TILE.format('broken.jpg')}[data-state=failed]")
    assert "could not be decoded" in (await tile.inner_html())
    assert await page.page.locator(f"{TILE.format('broken.jpg')} img").count() == 0

    # The server changes a byte of the newest record's sealed thumbnail: the file is withheld
    # with an integrity message, and no tile shows it.
    await put_with_thumbnail(drive, photo(tmp_path / "target.jpg", (90, 90, 90)))
    docs = await drive.folder_at("/docs")
    target = docs.child("target.jpg")
    assert target is not None and thumbnail_of(target.metadata) is not None
    rule = live.hostile.on(
        "GET", f"/v1/folders/{b64url(docs.folder_id)}$", flip_thumbnail_of(target.node_id)
    )
    page = await in_docs(live, browser)
    warning = await page.page.wait_for_selector("#withheld")
    assert "failed verification" in await warning.inner_text()
    await page.page.click("#grid-toggle")
    assert await page.page.locator("#listing li", has_text="target.jpg").count() == 0
    assert rule.hits >= 1
    await screenshot(page.page, "drive-grid-forged")
