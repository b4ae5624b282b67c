# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A32 and A33: the server lies about who a member is when the owner removes
one, and replays the keys, rosters and manifests from before a rotation to a member who stayed.
Also: a drop whose content the server damaged is never signed, and one bad share envelope does
not hide the others (issue 12, items 8, 9 and 12).

The owner takes the leaving member from its own pin and its own signed roster; the envelope of
every share carries the key epoch of the roster it went out with, and a member refuses any other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sealbox.client.sdk import drops, files
from sealbox.client.sdk import shares as sdk_shares
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError
from sealbox.crypto import content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.layout import b64url
from sealbox.testing.hostile import Exchange

from .conftest import Arena, contacts_of, incoming_rewrite

pytestmark = pytest.mark.anyio
SHARES = "/v1/shares"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def writes_after(arena: Arena, index: int) -> list[str]:
    """Every request after ``index`` that could change anything on the server."""
    return [f"{r.method} {r.path}" for r in arena.hostile.requests[index:] if r.method in WRITES]


def outgoing_rewrite(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[Exchange], bytes]:
    def rewrite(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        change(body["outgoing"])
        return json.dumps(body).encode()

    return rewrite


async def team(arena: Arena, *members: str) -> tuple[Drive, list[Drive]]:
    """alice shares /team (with a subfolder and a file) for writing with each of ``members``,
    who each open it once (so their devices have seen the roster)."""
    alice = await arena.user("alice")
    others = [await arena.user(name) for name in members]
    await contacts_of(alice, *others)
    await alice.mkdir("/team/sub", parents=True)
    for other in others:
        await sdk_shares.share_folder(alice, "/team", other.session.username, sdk_shares.WRITE)
    for other in others:
        await (await sdk_shares.open_shared(other, "team")).root()
    return alice, others


async def folder_key(drive: Drive, path: str) -> FolderKey:
    chain, node = await drive.walk(path)
    assert node is not None
    key = node.record.open_key(chain[-1].key)
    assert isinstance(key, FolderKey)
    return key


def roster_version(drive: Drive, owner: Drive, folder_id: bytes) -> int | None:
    s = drive.session
    mark = s.state.roster_mark(s.user_id, owner.session.user_id, folder_id)
    return None if mark is None else mark.version


# A32: the leaving member's identity -------------------------------------------------------------


async def test_A32_server_fabricates_a_share_for_unshare(arena: Arena) -> None:
    """The server lists /team as shared with mallory (a contact of alice's who never got it) and
    would answer 204 to its deletion. alice's own roster does not name mallory: nothing is
    deleted, signed or rotated, and bob keeps the key he has."""
    alice, (bob,) = await team(arena, "bob")
    mallory = await arena.user("mallory")
    await contacts_of(alice, mallory)
    invented = os.urandom(16)

    def add_mallory(views: list[dict[str, Any]]) -> None:
        bobs = next(v for v in views if v["recipient_username"] == "bob")
        views.append(
            dict(
                bobs,
                share_id=b64url(invented),
                recipient_id=b64url(mallory.session.user_id),
                recipient_username="mallory",
            )
        )

    def deleted(exchange: Exchange) -> bytes:
        exchange.status = 204
        return b""

    arena.hostile.on("GET", SHARES, outgoing_rewrite(add_mallory))
    arena.hostile.on("DELETE", f"/v1/shares/{b64url(invented)}", deleted)
    _, node = await alice.walk("/team")
    assert node is not None
    before = (await folder_key(alice, "/team"), roster_version(alice, alice, node.node_id))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as refused:
        await sdk_shares.unshare(alice, "/team", "mallory")
    assert refused.value.code == ErrorCode.CONTEXT_MISMATCH
    assert "invented" in str(refused.value) and "Nothing was changed" in str(refused.value)
    assert writes_after(arena, mark) == []
    assert (await folder_key(alice, "/team"), roster_version(alice, alice, node.node_id)) == before
    arena.hostile.clear()
    bobs = await sdk_shares.open_shared(bob, "team")
    assert bobs.share.grant.folder_key == before[0]
    await bobs.root()


async def test_A32_server_gives_a_stranger_a_members_id(arena: Arena) -> None:
    """The server lists bob's share once more under the name "mallory" (whom alice never pinned).
    `unshare /team mallory` must not remove bob: the name resolves through alice's pins, and she
    has none for mallory."""
    alice, (bob, carol) = await team(arena, "bob", "carol")
    await arena.user("mallory")

    def rename_bob(views: list[dict[str, Any]]) -> None:
        bobs = next(v for v in views if v["recipient_username"] == "bob")
        views.append(dict(bobs, recipient_username="mallory"))

    arena.hostile.on("GET", SHARES, outgoing_rewrite(rename_bob))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as refused:
        await sdk_shares.unshare(alice, "/team", "mallory")
    assert refused.value.code == ErrorCode.CONTEXT_MISMATCH
    assert writes_after(arena, mark) == []
    arena.hostile.clear()
    for member in (bob, carol):
        await (await sdk_shares.open_shared(member, "team")).root()


async def test_A32_server_swaps_the_share_ids_of_two_members(arena: Arena) -> None:
    """alice removes bob; the server lists carol's share id under bob's name and id, hoping alice
    deletes carol's share. The share id alice signed into each envelope decides: refused before
    anything is deleted."""
    alice, (bob, carol) = await team(arena, "bob", "carol")

    def swap(views: list[dict[str, Any]]) -> None:
        bobs = next(v for v in views if v["recipient_username"] == "bob")
        carols = next(v for v in views if v["recipient_username"] == "carol")
        bobs["share_id"], bobs["envelope"] = carols["share_id"], carols["envelope"]

    arena.hostile.on("GET", SHARES, outgoing_rewrite(swap))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as refused:
        await sdk_shares.unshare(alice, "/team", "bob")
    assert refused.value.code == ErrorCode.CONTEXT_MISMATCH
    assert writes_after(arena, mark) == []
    arena.hostile.clear()
    await (await sdk_shares.open_shared(carol, "team")).root()
    # With an honest answer the right member leaves, and the new roster omits exactly bob.
    await sdk_shares.unshare(alice, "/team", "bob")
    carols = await sdk_shares.open_shared(carol, "team")
    roster = sdk_shares.verified_roster(carol, carols.share, alice.session.bundle.pin())
    assert roster is not None
    assert [m.user_id for m in roster.members] == [carol.session.user_id]
    assert carols.share.grant.folder_key == await folder_key(alice, "/team")
    with pytest.raises(NotFoundError):
        await sdk_shares.open_shared(bob, "team")  # the server ended his share


# A33: a member who stayed, after a rotation -----------------------------------------------------


async def test_A33_server_replays_the_pre_rotation_envelope_roster_and_manifest(
    arena: Arena, tmp_path: Path
) -> None:
    """alice removes mallory from /team, which rotates its keys. bob's device has seen the new
    roster. The server then replays to bob what it served before the rotation: his old envelope
    (with the current roster, or with the old roster too) and the old listings. bob's client
    refuses each, so nothing he writes is sealed under the key mallory holds."""
    alice, (bob, mallory) = await team(arena, "bob", "mallory")
    await files.put(
        await sdk_shares.open_shared(bob, "team"),
        [_local(tmp_path, "before.txt", b"written before")],
        "/",
        files.Reporter(),
    )
    old_key = await folder_key(alice, "/team")
    before = next(v for v in (await bob.api.shares()).incoming)
    listings: dict[str, bytes] = {}

    def remember(exchange: Exchange) -> None:
        listings.setdefault(exchange.request.path, exchange.body)

    arena.hostile.on("GET", r"/v1/shares/[^/]+/folders/.+", remember)  # type: ignore[arg-type]
    await (await sdk_shares.open_shared(bob, "team")).folder_at("/sub")
    arena.hostile.clear()

    await sdk_shares.unshare(alice, "/team", "mallory")
    new_key = await folder_key(alice, "/team")
    assert new_key != old_key
    # bob's device sees the rotation: the new roster (and with it the new key epoch).
    seen = await sdk_shares.open_shared(bob, "team")
    assert seen.share.grant.folder_key == new_key
    roster = sdk_shares.verified_roster(bob, seen.share, alice.session.bundle.pin())
    assert roster is not None and seen.share.grant.epoch == roster.key_epoch == roster.version

    def old(envelope: bool, roster: bool) -> Callable[[dict[str, Any]], None]:
        def change(view: dict[str, Any]) -> None:
            if envelope:
                view["envelope"] = b64url(before.envelope)
            if roster:
                view["roster"] = b64url(before.roster or b"")

        return change

    def old_listing(exchange: Exchange) -> bytes | None:
        return listings.get(exchange.request.path)

    for envelope, roster_too, listing in (
        (True, False, True),  # the old key and the old manifests, with the current roster
        (True, False, False),  # the old key alone
        (True, True, False),  # the old key with the roster that went with it
        (True, True, True),  # and the old manifests: a complete pre-rotation snapshot
    ):
        arena.hostile.clear()
        arena.hostile.on("GET", SHARES, incoming_rewrite(old(envelope, roster_too)))
        if listing:
            arena.hostile.on("GET", r"/v1/shares/[^/]+/folders/.+", old_listing)
        mark = len(arena.hostile.requests)
        with pytest.raises(IntegrityError) as refused:
            view = await sdk_shares.open_shared(bob, "team")
            await files.put(view, [_local(tmp_path, "new.txt", b"after")], "/", files.Reporter())
        assert refused.value.code == ErrorCode.ROLLBACK, (envelope, roster_too, listing)
        assert writes_after(arena, mark) == []

    # The current key with the old manifests: bob listed /team since the rotation, so its
    # manifest mark refuses the old one.
    arena.hostile.clear()
    await (await sdk_shares.open_shared(bob, "team")).root()
    arena.hostile.on("GET", r"/v1/shares/[^/]+/folders/.+", old_listing)
    with pytest.raises(IntegrityError) as refused:
        await (await sdk_shares.open_shared(bob, "team")).root()
    assert refused.value.code == ErrorCode.ROLLBACK

    # Honest again: bob writes under the new key, and mallory has no share to read it with.
    arena.hostile.clear()
    view = await sdk_shares.open_shared(bob, "team")
    assert view.share.grant.folder_key == new_key
    await files.put(view, [_local(tmp_path, "after.txt", b"after")], "/", files.Reporter())
    assert {n.name for n in (await alice.folder_at("/team")).children} == {
        "sub",
        "before.txt",
        "after.txt",
    }
    with pytest.raises(NotFoundError):
        await sdk_shares.open_shared(mallory, "team")


def _local(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "local" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


async def test_A33_server_withholds_the_roster_that_goes_with_a_new_key(arena: Arena) -> None:
    """The server sends bob his new envelope but the roster from before the rotation, which
    still lists mallory as a writer. bob's device never saw the new roster, but the envelope's
    epoch is newer than the roster's key epoch: refused."""
    alice, (bob, _) = await team(arena, "bob", "mallory")
    before = next(v for v in (await bob.api.shares()).incoming)
    await sdk_shares.unshare(alice, "/team", "mallory")

    def old_roster(view: dict[str, Any]) -> None:
        view["roster"] = b64url(before.roster or b"")

    arena.hostile.on("GET", SHARES, incoming_rewrite(old_roster))
    with pytest.raises(IntegrityError) as refused:
        await sdk_shares.open_shared(bob, "team")
    assert refused.value.code == ErrorCode.ROLLBACK
    assert "withholds" in str(refused.value)


# Item 12: drops and incoming shares ---------------------------------------------------------------


async def test_server_damages_a_dropped_chunk_before_accept(arena: Arena, tmp_path: Path) -> None:
    """A drop of two chunks: the server flips one bit of the second chunk (or cuts it off) when
    the owner reads it. The header still matches, but the owner's client reads every chunk
    before it signs: refused, nothing committed, and the file stays waiting."""
    alice = await arena.user("alice")
    await alice.mkdir("/inbox")
    url, _ = await drops.create_drop(alice, "/inbox")
    data = os.urandom(content.DEFAULT_CHUNK_SIZE + 1000)
    await drops.drop_files(
        arena.http,
        arena.state("anon"),
        drops.parse_drop_link(url),
        [_local(tmp_path, "report.bin", data)],
    )
    (owned,) = await drops.list_drops(alice)
    (item,) = owned.pending

    def flip(exchange: Exchange) -> bytes | None:
        if len(exchange.body) <= content.HEADER_BYTES:
            return None  # the header is served intact
        out = bytearray(exchange.body)
        out[-500] ^= 0x01
        return bytes(out)

    def cut(exchange: Exchange) -> bytes | None:
        if len(exchange.body) <= content.HEADER_BYTES:
            return None
        return exchange.body[: content.DEFAULT_CHUNK_SIZE + content.TAG_BYTES]

    for rule, code in ((flip, ErrorCode.DECRYPT_FAILED), (cut, ErrorCode.CHUNK_LENGTH)):
        arena.hostile.clear()
        arena.hostile.on("GET", f"/v1/contents/{b64url(item.content_id)}", rule)
        mark = len(arena.hostile.requests)
        with pytest.raises(IntegrityError) as refused:
            await drops.accept(alice, item)
        assert refused.value.code == code
        assert writes_after(arena, mark) == []
    arena.hostile.clear()
    assert (await alice.folder_at("/inbox")).children == []
    (owned,) = await drops.list_drops(alice)
    assert [p.content_id for p in owned.pending] == [item.content_id]
    # Served honestly, the same file is accepted whole.
    assert await drops.accept(alice, owned.pending[0]) == "/inbox/report.bin"
    out = tmp_path / "out.bin"
    await files.get(alice, ["/inbox/report.bin"], out, files.Reporter())
    assert out.read_bytes() == data


async def test_server_damages_one_incoming_share_envelope(arena: Arena) -> None:
    """One flipped bit in carol's envelope to bob: bob's list still shows alice's share, and
    reports carol's as refused, instead of failing as a whole."""
    alice, bob, carol = [await arena.user(n) for n in ("alice", "bob", "carol")]
    await contacts_of(alice, bob)
    await contacts_of(carol, bob)
    await alice.mkdir("/public")
    await carol.mkdir("/carols")
    await sdk_shares.share_folder(alice, "/public", "bob", sdk_shares.READ)
    await sdk_shares.share_folder(carol, "/carols", "bob", sdk_shares.READ)

    def damage(view: dict[str, Any]) -> None:
        if view["owner_username"] == "carol":
            envelope = bytearray(view["envelope"].encode())
            envelope[-10] = ord("A") if envelope[-10] != ord("A") else ord("B")
            view["envelope"] = envelope.decode()

    arena.hostile.on("GET", SHARES, incoming_rewrite(damage))
    listed = await sdk_shares.incoming(bob)
    assert [s.name for s in listed.shares] == ["public"]
    assert [(r.view.owner_username, r.error.code) for r in listed.refused] == [
        ("carol", ErrorCode.BAD_SIGNATURE)
    ]
    await (await sdk_shares.open_shared(bob, "public")).root()
    # Asking for the damaged share by its id names what was wrong with it.
    with pytest.raises(IntegrityError) as refused:
        await sdk_shares.open_shared(bob, b64url(listed.refused[0].view.share_id))
    assert refused.value.code == ErrorCode.BAD_SIGNATURE
