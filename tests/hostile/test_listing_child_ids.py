# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A74: a server that lists a child's record under an id it gives no child.

The binary listing frames each child with the node id, content id and size the server claims
for it, then the record itself (spec/http-api.md, "Reading"). The record names its own node, and
the client checks it against the signed manifest; the server's claims are taken for the child
whose id they carry. A record in the place of an id the listing gives no other child leaves the
client with no claim at all for that node: the listing is refused with a clear error, where the
client once failed with an internal KeyError. SDK clients against a real server app behind the
hostile wrapper."""

from __future__ import annotations

import os

import msgspec
import pytest

from sealbox.client.sdk import files
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.layout import b64url
from sealbox.protocol.listing import BinaryListing, encode_listing, parse_listing
from sealbox.testing.hostile import Exchange

from .conftest import Arena

pytestmark = pytest.mark.anyio


async def test_A74_server_lists_a_record_under_an_id_it_gives_no_child(arena: Arena) -> None:
    drive = await arena.user("alice")
    for name in ("a.txt", "b.txt"):
        (arena.tmp / name).write_text(name)
    await files.put(drive, [arena.tmp / "a.txt", arena.tmp / "b.txt"], "/", files.Reporter())
    root = await drive.root()
    target = root.child("a.txt")
    assert target is not None

    def move(listing: BinaryListing) -> BinaryListing:
        stranger = os.urandom(16)
        listing.children[:] = sorted(
            (msgspec.structs.replace(c, node_id=stranger) if c.node_id == target.node_id else c
             for c in listing.children),
            key=lambda c: c.node_id,
        )  # fmt: skip
        return listing

    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200:
            return None
        return encode_listing(move(parse_listing(exchange.body)))

    arena.hostile.on("GET", f"/v1/folders/{b64url(root.folder_id)}", rewrite)
    with pytest.raises(IntegrityError) as caught:
        await drive.root()
    assert caught.value.code == ErrorCode.CONTEXT_MISMATCH
