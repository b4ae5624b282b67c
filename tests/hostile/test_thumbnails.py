# SPDX-License-Identifier: AGPL-3.0-or-later
"""A server that swaps thumbnails between files (spec/metadata.md, "Thumbnails").

A thumbnail is sealed inside its file's metadata, in the signed record: a server that moves one
file's thumbnail onto another file, by swapping the sealed metadata inside the records or the
records themselves, never gets a client to show one file's picture as another's. SDK clients
against a real server app behind the hostile wrapper."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PIL import Image

from sealbox.client.sdk import files
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.thumbnails import thumbnail_of
from sealbox.client.sdk.transfer_options import TransferOptions
from sealbox.client.sdk.tree import Folder
from sealbox.crypto.layout import b64url
from sealbox.protocol.listing import BinaryListing, encode_listing, parse_listing
from sealbox.testing.hostile import Exchange

from .conftest import Arena

pytestmark = pytest.mark.anyio


def picture(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (300, 200), colour).save(path, "PNG")
    return path


async def two_pictures(arena: Arena) -> tuple[Drive, dict[str, bytes]]:
    drive = await arena.user("alice")
    red = picture(arena.tmp / "red.png", (220, 20, 20))
    blue = picture(arena.tmp / "blue.png", (20, 20, 220))
    options = TransferOptions(thumbnails=True)
    await files.put(drive, [red, blue], "/", files.Reporter(), options=options)
    root = await drive.root()
    shown = {c.name: thumbnail_of(c.metadata) for c in root.children}
    assert shown["red.png"] and shown["blue.png"] and shown["red.png"] != shown["blue.png"]
    return drive, {name: pic for name, pic in shown.items() if pic is not None}


def rewrite_root(arena: Arena, root_id: bytes, change: object) -> None:
    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200:
            return None
        return encode_listing(change(parse_listing(exchange.body)))  # type: ignore[operator]

    arena.hostile.on("GET", f"/v1/folders/{b64url(root_id)}", rewrite)


def with_sealed_metadata(record: bytes, sealed: bytes) -> bytes:
    """``record`` with its sealed metadata replaced and its signature kept (node record layout,
    spec/metadata.md): what a server can do without the writer's signing key."""
    (wrap,) = struct.unpack_from("<I", record, 63)
    start = 67 + wrap
    (old,) = struct.unpack_from("<I", record, start)
    return record[:start] + struct.pack("<I", len(sealed)) + sealed + record[start + 4 + old :]


def sealed_metadata(record: bytes) -> bytes:
    (wrap,) = struct.unpack_from("<I", record, 63)
    (size,) = struct.unpack_from("<I", record, 67 + wrap)
    return record[71 + wrap : 71 + wrap + size]


def shown(folder: Folder) -> dict[str, bytes | None]:
    return {c.name: thumbnail_of(c.metadata) for c in folder.children}


async def test_server_swaps_sealed_thumbnails_between_file_records(arena: Arena) -> None:
    drive, _ = await two_pictures(arena)
    root = await drive.root()
    red, blue = root.child("red.png"), root.child("blue.png")
    assert red is not None and blue is not None

    def swap_metadata(listing: BinaryListing) -> BinaryListing:
        records = {c.node_id: c.record for c in listing.children}
        red_meta, blue_meta = (sealed_metadata(records[n.node_id]) for n in (red, blue))
        swapped = {
            red.node_id: with_sealed_metadata(records[red.node_id], blue_meta),
            blue.node_id: with_sealed_metadata(records[blue.node_id], red_meta),
        }
        listing.children[:] = [
            type(c)(c.node_id, c.node_type, c.content_id, c.size, c.manifest_version,
                    swapped.get(c.node_id, c.record))
            for c in listing.children
        ]  # fmt: skip
        return listing

    rewrite_root(arena, root.folder_id, swap_metadata)
    after = await drive.root()
    # Neither record's signature covers the metadata it now carries: both are dropped as
    # injected, and neither picture is shown on the other file.
    assert shown(after) == {} and after.injected == 2


async def test_server_swaps_whole_records_of_two_pictures(arena: Arena) -> None:
    drive, pictures = await two_pictures(arena)
    root = await drive.root()
    red, blue = root.child("red.png"), root.child("blue.png")
    assert red is not None and blue is not None

    def swap_records(listing: BinaryListing) -> BinaryListing:
        records = {c.node_id: c.record for c in listing.children}
        other = {red.node_id: blue.node_id, blue.node_id: red.node_id}
        listing.children[:] = [
            type(c)(c.node_id, c.node_type, c.content_id, c.size, c.manifest_version,
                    records[other[c.node_id]] if c.node_id in other else c.record)
            for c in listing.children
        ]  # fmt: skip
        return listing

    rewrite_root(arena, root.folder_id, swap_records)
    after = await drive.root()
    # A record names its own node and is listed by hash in the signed manifest: each file
    # still shows its own picture, under its own name.
    assert shown(after) == pictures
