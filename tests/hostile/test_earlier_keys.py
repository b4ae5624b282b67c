# SPDX-License-Identifier: AGPL-3.0-or-later
"""Kept versions under a folder's earlier keys (spec/sharing.md, "Earlier keys after a
rotation"; threat catalogue A55). After bob left /collab, the owner still reads the versions
sealed under the replaced key. A server that learned that key (from bob, who held it) and serves
a kept version of its own making is refused: under the old key by an account that was never a
writer of that key's time, or under a key outside the folder's signed list of earlier keys.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sealbox.client.sdk import files
from sealbox.client.sdk import shares as sdk_shares
from sealbox.client.sdk.drive import Drive
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey, FolderKey
from sealbox.crypto.tree import (
    FileMetadata,
    NodeType,
    make_node_record,
    parse_node_record,
    seal_metadata,
    wrap_node_key,
)
from sealbox.protocol.models import b64decode, b64encode
from sealbox.testing.hostile import Exchange

from .conftest import Arena, contacts_of

pytestmark = pytest.mark.anyio
VERSIONS = r"/v1/nodes/[^/]+/versions"
FAKE = FileMetadata("theirs.txt", 1, 5, "", b"\x01" * 16, b"\x02" * 32)


async def _after_bob_left(arena: Arena, tmp_path: Path) -> tuple[Drive, Drive, FolderKey]:
    """alice's /collab, where bob wrote two versions of theirs.txt, then left; returns alice,
    mallory (an account the server controls) and the key /collab had while bob was a member."""
    alice, bob, mallory = [await arena.user(n) for n in ("alice", "bob", "mallory")]
    await contacts_of(alice, bob)
    await alice.mkdir("/collab")
    await sdk_shares.share_folder(alice, "/collab", "bob", sdk_shares.WRITE)
    inside = await sdk_shares.open_shared(bob, "collab")
    for n, data in enumerate((b"bob 1", b"bob 2")):
        local = tmp_path / f"v{n}"
        local.write_bytes(data)
        await files.put(inside, [local], "/theirs.txt", files.Reporter())
    old_key = (await alice.folder_at("/collab")).key
    await sdk_shares.unshare(alice, "/collab", "bob")
    ((_, kept),) = await alice.versions("/collab/theirs.txt")  # no false alarm
    assert kept.sealed_under == old_key and alice.author(kept).startswith("bob")
    return alice, mallory, old_key


def _forged(alice: Drive, mallory: Drive, under: FolderKey, version: dict[str, object]) -> bytes:
    """A version 1 of the file, signed by mallory and sealed under ``under``."""
    real = parse_node_record(b64decode(str(version["record"])))
    sealed = seal_metadata(under, FAKE, real.node_id, real.parent_id, 1)
    wrapped = wrap_node_key(under, FileKey.generate(alice.rng), real.node_id, real.parent_id)
    return make_node_record(
        mallory.session.identity,
        mallory.session.user_id,
        real.node_id,
        real.parent_id,
        NodeType.FILE,
        1,
        wrapped,
        sealed,
    )


def _serve(arena: Arena, alice: Drive, mallory: Drive, under: FolderKey) -> None:
    def rewrite(exchange: Exchange) -> bytes | None:
        body = json.loads(exchange.body)
        for version in body["versions"]:
            version["record"] = b64encode(_forged(alice, mallory, under, version))
        return json.dumps(body).encode()

    arena.hostile.on("GET", VERSIONS, rewrite)  # type: ignore[arg-type]


async def test_A55_server_with_a_replaced_key_forges_a_version_by_a_non_writer(
    arena: Arena, tmp_path: Path
) -> None:
    alice, mallory, old_key = await _after_bob_left(arena, tmp_path)
    _serve(arena, alice, mallory, old_key)
    with pytest.raises(IntegrityError) as excinfo:
        await alice.versions("/collab/theirs.txt")
    assert excinfo.value.code == ErrorCode.BAD_SIGNATURE


async def test_A55_server_serves_a_version_under_a_key_outside_the_chain(
    arena: Arena, tmp_path: Path
) -> None:
    alice, mallory, _ = await _after_bob_left(arena, tmp_path)
    _serve(arena, alice, mallory, FolderKey.generate(alice.rng))
    with pytest.raises(IntegrityError) as excinfo:
        await alice.versions("/collab/theirs.txt")
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED
