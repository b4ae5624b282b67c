# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shares that survive their members (issue 13, items 1 to 4; threat catalogue A36, A37).

Removing a write member who wrote files, then another, then the last; sharing again; removing
again: the owner and the members who stay read everything at every step, every file still shows
who wrote it, and no step ends in a false alarm. A server that withholds part of the subtree
while the owner removes a member gets a refusal before anything changes, never a rotation that
leaves a record sealed under the discarded key.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sealbox.client.sdk import files, rotation
from sealbox.client.sdk import shares as sdk_shares
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError, SealboxError, WithheldError
from sealbox.client.sdk.tree import Folder
from sealbox.crypto.keys import FolderKey
from sealbox.protocol.listing import encode_listing, parse_listing
from sealbox.testing.hostile import Exchange

from .conftest import Arena, contacts_of
from .test_share_members import writes_after
from .test_walks import FOLDERS, folder_id_of

pytestmark = pytest.mark.anyio


def _local(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "local" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


async def put(drive: Drive, tmp_path: Path, remote: str, name: str, data: bytes) -> None:
    await files.put(drive, [_local(tmp_path, name, data)], remote, files.Reporter())


async def everything(drive: Drive) -> dict[str, tuple[str, bytes]]:
    """Every file below the drive's root: path -> (author shown, contents), each read in full."""
    out: dict[str, tuple[str, bytes]] = {}
    for path, _, node in await drive.iter_tree(await drive.root()):
        if not node.is_folder:
            data = b"".join([piece async for piece in files.stream_file(drive, path)])
            out[path] = (drive.author(node), data)
    return out


async def team_with_writers(arena: Arena, tmp_path: Path) -> tuple[Drive, Drive, Drive, Drive]:
    """alice shares /team for writing with bob, carol and mallory. Each writes a file; mallory
    also makes a folder with a file in it, below /team/sub."""
    alice = await arena.user("alice")
    bob, carol, mallory = [await arena.user(n) for n in ("bob", "carol", "mallory")]
    await contacts_of(alice, bob, carol, mallory)
    await alice.mkdir("/team/sub", parents=True)
    await put(alice, tmp_path, "/team", "plan.txt", b"alice's plan")
    for member in (bob, carol, mallory):
        await sdk_shares.share_folder(alice, "/team", member.session.username, sdk_shares.WRITE)
    for member, where in ((bob, "/"), (carol, "/sub"), (mallory, "/sub")):
        inside = await sdk_shares.open_shared(member, "team")
        name = member.session.username
        await put(inside, tmp_path, where, f"{name}.txt", f"{name} wrote this".encode())
    inside = await sdk_shares.open_shared(mallory, "team")
    await inside.mkdir("/sub/mine")
    await put(inside, tmp_path, "/sub/mine", "deep.txt", b"mallory, deeper")
    return alice, bob, carol, mallory


EXPECTED = {
    "/team/plan.txt": b"alice's plan",
    "/team/bob.txt": b"bob wrote this",
    "/team/sub/carol.txt": b"carol wrote this",
    "/team/sub/mallory.txt": b"mallory wrote this",
    "/team/sub/mine/deep.txt": b"mallory, deeper",
}
AUTHORS = {
    "/team/plan.txt": "alice",
    "/team/bob.txt": "bob",
    "/team/sub/carol.txt": "carol",
    "/team/sub/mallory.txt": "mallory",
    "/team/sub/mine/deep.txt": "mallory",
}


async def readable_by_all(alice: Drive, members: list[Drive]) -> None:
    """The owner and every member who stays read every file whole, and see its author."""
    owned = await everything(alice)
    assert {p: d for p, (_, d) in owned.items() if p.startswith("/team/")} == EXPECTED
    for path, (author, _) in owned.items():
        if path in AUTHORS:
            assert author.split(" ")[0] == AUTHORS[path], (path, author)
    for member in members:
        seen = await everything(await sdk_shares.open_shared(member, "team"))
        assert {"/team" + p: d for p, (_, d) in seen.items()} == EXPECTED
        for path, (author, _) in seen.items():
            assert author.split(" ")[0] == AUTHORS["/team" + path], (path, author)


async def test_removing_every_writer_in_turn_then_sharing_again(
    arena: Arena, tmp_path: Path
) -> None:
    """Issue 13, items 1, 2 and 4: each removal rotates the subtree (the files the leaving member
    wrote included), the owner re-signs every record but keeps its author, and after the last
    member left the folder can be shared again."""
    alice, bob, carol, mallory = await team_with_writers(arena, tmp_path)
    await readable_by_all(alice, [bob, carol, mallory])
    await sdk_shares.unshare(alice, "/team", "mallory")
    await readable_by_all(alice, [bob, carol])
    with pytest.raises(NotFoundError):
        await sdk_shares.open_shared(mallory, "team")
    await sdk_shares.unshare(alice, "/team", "carol")
    await readable_by_all(alice, [bob])
    await sdk_shares.unshare(alice, "/team", "bob")  # the last member
    await readable_by_all(alice, [])
    # The owner's roster outlives its members: sharing again continues it, with no alarm.
    await sdk_shares.share_folder(alice, "/team", "carol", sdk_shares.READ)
    await readable_by_all(alice, [carol])
    await sdk_shares.unshare(alice, "/team", "carol")
    await readable_by_all(alice, [])
    # An owner's move of a member's file keeps the member as its author.
    await alice.move("/team/sub/mallory.txt", "/team/moved.txt")
    _, moved = await alice.walk("/team/moved.txt")
    assert moved is not None and alice.author(moved).startswith("mallory")
    assert moved.record.writer_id == alice.session.user_id


async def test_A36_server_withholds_a_subfolder_while_the_owner_removes_a_member(
    arena: Arena, tmp_path: Path
) -> None:
    """The server leaves mallory's folder out of /team/sub's listing while alice removes her. A
    rotation over that listing would sign a manifest naming a record still sealed under the old
    key. alice's client refuses before it ends the share, signs or rotates anything; with an
    honest server again, the removal goes through and every file still opens."""
    alice, bob, carol, _ = await team_with_writers(arena, tmp_path)
    sub = await alice.folder_at("/team/sub")
    hidden = sub.child("mine")
    assert hidden is not None

    def withhold(exchange: Exchange) -> bytes | None:
        if exchange.status != 200 or folder_id_of(exchange) != sub.folder_id:
            return None
        listing = parse_listing(exchange.body)
        kept = [c for c in listing.children if c.node_id != hidden.node_id]
        return encode_listing(replace(listing, children=kept))

    arena.hostile.on("GET", FOLDERS, withhold)
    mark = len(arena.hostile.requests)
    with pytest.raises(WithheldError) as refused:
        await sdk_shares.unshare(alice, "/team", "mallory")
    assert "nothing was signed or changed" in str(refused.value)
    assert writes_after(arena, mark) == []
    arena.hostile.clear()
    await sdk_shares.unshare(alice, "/team", "mallory")
    await readable_by_all(alice, [bob, carol])


async def test_A37_a_rotation_never_signs_a_manifest_naming_a_record_it_did_not_remake(
    arena: Arena,
) -> None:
    """Defence in depth behind A36: a folder whose manifest names a child the rotation has no
    record for (however the listing came to lack it) is refused when the change is built."""
    alice = await arena.user("alice")
    await alice.mkdir("/team/sub", parents=True)
    top = await alice.folder_at("/team")
    parent = (await alice.walk("/team"))[0][-1]
    node = parent.child("team")
    assert node is not None
    short = Folder(top.folder_id, top.key, top.manifest, [], ancestry=top.ancestry)
    batch = {top.folder_id: (parent, node, short)}
    with pytest.raises(WithheldError):
        rotation._rekeyed(alice, batch, {top.folder_id: FolderKey.generate()})


async def test_a_second_removal_waits_for_an_interrupted_one(arena: Arena, tmp_path: Path) -> None:
    """A removal stopped half-way (its journal on the device) is finished before another
    removal or a new share of the same folder starts, and running it again completes it."""
    alice, bob, carol, _ = await team_with_writers(arena, tmp_path)

    def unavailable(exchange: Exchange) -> bytes:
        # The drop list fails after the rotation, before the new roster goes out.
        exchange.status = 500
        return b'{"error": {"code": "internal", "message": "down"}}'

    arena.hostile.on("GET", "/v1/drops", unavailable)
    with pytest.raises(SealboxError):
        await sdk_shares.unshare(alice, "/team", "mallory")
    arena.hostile.clear()
    for attempt in (
        sdk_shares.unshare(alice, "/team", "bob"),
        sdk_shares.share_folder(alice, "/team", "mallory", sdk_shares.READ),
    ):
        with pytest.raises(SealboxError) as waiting:
            await attempt
        assert "sealbox unshare /team mallory" in str(waiting.value)
    await sdk_shares.unshare(alice, "/team", "mallory")
    await readable_by_all(alice, [bob, carol])
