# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shares through the SDK against a real server app: pinning, safety numbers, read and write
members, writers' signatures, unsharing with key rotation, and a swapped identity bundle."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest

from sealbox.client.sdk import contacts, drops, files, rotation, shares
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import ApiError, ConflictError, NotFoundError, SealboxError
from sealbox.crypto import manifest as mf
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys, make_bundle
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.tree import parse_node_record

from .conftest import World

pytestmark = pytest.mark.anyio


async def put_text(drive: Drive, world: World, remote: str, text: str) -> None:
    local = world.tmp / "upload" / remote.rsplit("/", 1)[-1]
    local.parent.mkdir(exist_ok=True)
    local.write_text(text)
    await files.put(drive, [local], remote, files.Reporter())


async def befriend(inviter: Drive, invitee: Drive) -> None:
    """Make two accounts contacts, as sharing needs."""
    await contacts.invite(inviter.session, invitee.session.username)
    await contacts.accept(invitee.session, inviter.session.username)


async def read_text(drive: Drive, world: World, remote: str) -> str:
    out = world.tmp / "download"
    out.mkdir(exist_ok=True)
    await files.get(drive, [remote], out / "x", files.Reporter())
    return (out / "x").read_text()


async def test_read_and_write_members(world: World) -> None:
    alice, bob, carol = [await world.user(n) for n in ("alice", "bob", "carol")]
    await alice.mkdir("/team")
    await put_text(alice, world, "/team/plan.txt", "the plan")
    await befriend(alice, bob)
    await befriend(carol, alice)
    await shares.share_folder(alice, "/team", "bob", shares.READ)
    await shares.share_folder(alice, "/team", "carol", shares.WRITE)

    bob_view = await shares.open_shared(bob, "team")
    assert not bob_view.can_write and not bob_view.share.owner_verified
    assert await read_text(bob_view, world, "/plan.txt") == "the plan"
    with pytest.raises(ApiError) as refused:
        await put_text(bob_view, world, "/bob.txt", "bob was here")
    assert refused.value.status == 403

    carol_view = await shares.open_shared(carol, "team")
    await put_text(carol_view, world, "/carol.txt", "carol's notes")
    tree = world.tmp / "carol-tree"
    (tree / "deep").mkdir(parents=True)
    (tree / "deep" / "d.txt").write_text("deep down")
    await files.put(carol_view, [tree], "/", files.Reporter())
    assert await read_text(alice, world, "/team/carol-tree/deep/d.txt") == "deep down"
    await carol_view.move("/carol-tree/deep/d.txt", "/moved.txt")
    assert await read_text(alice, world, "/team/moved.txt") == "deep down"
    with pytest.raises(ConflictError):
        await carol_view.move("/carol-tree", "/carol-tree/deep")
    await carol_view.remove("/carol-tree", permanent=True)
    with pytest.raises(NotFoundError):
        await alice.walk("/team/carol-tree")
    # alice sees carol's file, signed by carol (her listing needs carol's key to verify it).
    _, node = await alice.walk("/team/carol.txt")
    assert node is not None and node.record.writer_id == carol.session.user_id
    assert await read_text(alice, world, "/team/carol.txt") == "carol's notes"
    bob_view = await shares.open_shared(bob, "team")
    _, written = await bob_view.walk("/carol.txt")
    assert written is not None and bob_view.author(written) == "carol (unverified)"

    # Safety numbers match on both sides; confirming marks the pin verified.
    mine = await contacts.verify(alice.session, "bob", confirm=True)
    theirs = await contacts.verify(bob.session, "alice", confirm=False)
    assert mine.safety_number == theirs.safety_number and len(mine.safety_number) == 71
    assert mine.verified and not theirs.verified
    assert [c.username for c in contacts.contacts(alice.session)] == ["bob", "carol"]

    drop_url, _ = await drops.create_drop(alice, "/team")
    await shares.unshare(alice, "/team", "bob")
    with pytest.raises(NotFoundError):
        await shares.open_shared(bob, "team")
    with pytest.raises(ApiError):
        await bob_view.root()
    # carol got the new key in a new envelope and keeps working; alice's tree still verifies.
    carol_view = await shares.open_shared(carol, "team")
    await put_text(carol_view, world, "/after.txt", "after rotation")
    assert await read_text(alice, world, "/team/after.txt") == "after rotation"
    assert await read_text(carol_view, world, "/plan.txt") == "the plan"
    # The folder's drop link was re-wrapped under the new key and still delivers.
    dropped = world.tmp / "dropped.txt"
    dropped.write_text("dropped in")
    address = drops.parse_drop_link(drop_url)
    assert await drops.drop_files(world.http, world.state("anon"), address, [dropped]) == 1
    owned = await drops.list_drops(alice)
    assert [p.dropped.metadata.name for p in owned[0].pending] == ["dropped.txt"]
    assert await drops.accept(alice, owned[0].pending[0]) == "/team/dropped.txt"
    assert await read_text(alice, world, "/team/dropped.txt") == "dropped in"


async def test_a_write_member_signs_only_inside_their_share(world: World) -> None:
    alice, carol = await world.user("alice"), await world.user("carol")
    await alice.mkdir("/team")
    await alice.mkdir("/private")
    await befriend(alice, carol)
    await shares.share_folder(alice, "/team", "carol", shares.WRITE)
    carol_view = await shares.open_shared(carol, "team")
    await put_text(carol_view, world, "/ok.txt", "inside")
    assert await read_text(alice, world, "/team/ok.txt") == "inside"
    # A hostile server hands alice a manifest of /private signed by carol: refused, because
    # carol writes only below /team.
    private = await alice.folder_at("/private")
    forged = mf.make_manifest(
        carol.session.identity, carol.session.user_id, private.folder_id,
        private.manifest.version + 1, private.manifest.hash, private.manifest.entries,
    )  # fmt: skip
    db = sqlite3.connect(world.tmp / "server" / "sealbox.db")
    with db:
        db.execute(
            "UPDATE nodes SET manifest = ?, manifest_version = ? "
            "WHERE owner_id = ? AND node_id = ?",
            (forged, private.manifest.version + 1, alice.session.user_id, private.folder_id),
        )
    db.close()
    with pytest.raises(IntegrityError) as refused:
        await Drive(alice.session).folder_at("/private")
    assert refused.value.code == ErrorCode.BAD_SIGNATURE


async def test_a_swapped_identity_bundle_stops_sharing(world: World) -> None:
    alice, bob = await world.user("alice"), await world.user("bob")
    await alice.mkdir("/a")
    await alice.mkdir("/b")
    await befriend(alice, bob)  # alice pins bob on first sight
    await shares.share_folder(alice, "/a", "bob", shares.READ)
    forged = make_bundle(IdentityKeys.generate(), bob.session.user_id, "bob", 2, int(time.time()))
    db = sqlite3.connect(world.tmp / "server" / "sealbox.db")
    with db:
        db.execute("UPDATE accounts SET identity_bundle = ? WHERE username = 'bob'", (forged,))
    db.close()
    with pytest.raises(IntegrityError) as changed:
        await shares.share_folder(alice, "/b", "bob", shares.READ)
    assert changed.value.code == ErrorCode.KEY_CHANGED and "changed" in str(changed.value)
    check = await contacts.verify(alice.session, "bob", confirm=False)
    assert check.key_changed and not check.verified


async def test_contacts_invitations_and_listing(world: World) -> None:
    alice, bob, carol = [await world.user(n) for n in ("alice", "bob", "carol")]
    await alice.mkdir("/team")
    # Sharing with a stranger is refused by the client before anything is sealed.
    with pytest.raises(SealboxError, match="contacts invite bob"):
        await shares.share_folder(alice, "/team", "bob", shares.READ)
    await contacts.invite(alice.session, "bob")
    await contacts.invite(carol.session, "alice")
    seen = {c.username: c for c in await contacts.listing(alice.session)}
    assert (seen["bob"].state, seen["bob"].pinned, seen["bob"].verified) == ("invited", True, False)
    # carol's invitation: alice has not pinned carol yet (she pins on accept).
    assert (seen["carol"].state, seen["carol"].pinned) == ("invites you", False)
    with pytest.raises(SealboxError, match="not your contact"):
        await shares.share_folder(alice, "/team", "bob", shares.READ)
    assert [c.state for c in await contacts.listing(bob.session)] == ["invites you"]
    await contacts.accept(bob.session, "alice")
    await contacts.decline(alice.session, "carol")
    assert [(c.username, c.state) for c in await contacts.listing(alice.session)] == [
        ("bob", "contact")
    ]
    await shares.share_folder(alice, "/team", "bob", shares.READ)
    assert (await shares.open_shared(bob, "team")).share.grant.folder_name == "team"

    # A changed key is flagged in the listing (and sharing is refused, as before).
    forged = make_bundle(IdentityKeys.generate(), bob.session.user_id, "bob", 2, int(time.time()))
    db = sqlite3.connect(world.tmp / "server" / "sealbox.db")
    with db:
        db.execute("UPDATE accounts SET identity_bundle = ? WHERE username = 'bob'", (forged,))
    db.close()
    (entry,) = await contacts.listing(alice.session)
    assert entry.key_changed and not entry.verified

    # Removing the contact keeps the share and the pin; --forget-key drops the pin too.
    await contacts.remove(alice.session, "bob")
    assert [c.state for c in await contacts.listing(alice.session)] == ["pinned"]
    # bob still has the share, hidden now that alice is no longer his contact (issue 13 item 8).
    listed = await shares.incoming(bob)
    assert listed.shares == [] and [h.owner for h in listed.hidden] == ["alice"]
    with pytest.raises(ApiError) as gone:
        await contacts.remove(alice.session, "bob", forget_key=True)
    assert gone.value.status == 404
    await contacts.invite(carol.session, "alice")
    await contacts.remove(alice.session, "carol", forget_key=True)
    assert [c.username for c in await contacts.listing(alice.session)] == ["bob"]
    assert contacts.forget(alice.session, "bob")
    assert await contacts.listing(alice.session) == []


def openable_records(world: World, owner: Drive, keys: list[FolderKey]) -> int:
    """How many of ``owner``'s stored node records open (key or metadata) with any of ``keys``,
    read straight from the server's database."""
    db = sqlite3.connect(world.tmp / "server" / "sealbox.db")
    rows = db.execute(
        "SELECT record FROM nodes WHERE owner_id = ? AND record IS NOT NULL",
        (owner.session.user_id,),
    ).fetchall()
    db.close()
    opened = 0
    for (data,) in rows:
        record = parse_node_record(data)
        for key in keys:
            for attempt in (record.open_key, record.open_metadata):
                try:
                    attempt(key)
                except IntegrityError as exc:
                    assert exc.code == ErrorCode.DECRYPT_FAILED
                else:
                    opened += 1
    return opened


async def test_unshare_rotates_every_folder_key_of_the_subtree(world: World) -> None:
    alice, bob, carol = [await world.user(n) for n in ("alice", "bob", "carol")]
    await alice.mkdir("/team/sub/deep", parents=True)
    await put_text(alice, world, "/team/plan.txt", "the plan")
    await put_text(alice, world, "/team/sub/deep/old.txt", "from before")
    await befriend(alice, bob)
    await befriend(alice, carol)
    await shares.share_folder(alice, "/team", "bob", shares.READ)
    await shares.share_folder(alice, "/team", "carol", shares.WRITE)
    await alice.mkdir("/team/sub/dropbox")
    drop_url, _ = await drops.create_drop(alice, "/team/sub/dropbox")
    # bob keeps every folder key he could reach before he is removed.
    bob_view = await shares.open_shared(bob, "team")
    old_keys = [
        (await bob_view.root()).key,
        *[(await bob_view.folder_at(p)).key for p in ("/sub", "/sub/deep", "/sub/dropbox")],
    ]
    assert openable_records(world, alice, old_keys) >= 10  # the check can fail

    await shares.unshare(alice, "/team", "bob")
    # Everything stored now, old and new, anywhere in the subtree, is beyond bob's old keys.
    assert openable_records(world, alice, old_keys) == 0
    await put_text(alice, world, "/team/new.txt", "after")
    await put_text(alice, world, "/team/sub/deep/new.txt", "after, deep down")
    await alice.mkdir("/team/sub/deep/newdir")
    await put_text(alice, world, "/team/sub/deep/newdir/x.txt", "in a new folder")
    carol_view = await shares.open_shared(carol, "team")
    await put_text(carol_view, world, "/sub/carol.txt", "carol, after")
    assert openable_records(world, alice, old_keys) == 0
    # The owner and the remaining member still read everything, old and new.
    assert await read_text(alice, world, "/team/sub/deep/old.txt") == "from before"
    assert await read_text(carol_view, world, "/sub/deep/new.txt") == "after, deep down"
    assert await read_text(carol_view, world, "/sub/deep/old.txt") == "from before"
    assert await read_text(alice, world, "/team/sub/carol.txt") == "carol, after"
    # The drop link of a subfolder was re-wrapped under that subfolder's new key.
    dropped = world.tmp / "dropped.txt"
    dropped.write_text("dropped in")
    address = drops.parse_drop_link(drop_url)
    assert await drops.drop_files(world.http, world.state("anon"), address, [dropped]) == 1
    (owned,) = await drops.list_drops(alice)
    assert owned.folder_path == "/team/sub/dropbox"
    assert [p.dropped.metadata.name for p in owned.pending] == ["dropped.txt"]
    assert await drops.accept(alice, owned.pending[0]) == "/team/sub/dropbox/dropped.txt"


async def test_subtree_rotation_goes_in_batches(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = await world.user("alice"), await world.user("bob")
    for path in ("/t/a/x", "/t/a/y", "/t/b"):
        await alice.mkdir(path, parents=True)
    await put_text(alice, world, "/t/a/x/f.txt", "deep file")
    await befriend(alice, bob)
    await shares.share_folder(alice, "/t", "bob", shares.READ)
    old = (await (await shares.open_shared(bob, "t")).folder_at("/a/x")).key
    commits = 0
    real_commit = alice.commit

    async def counting(change: Any) -> Any:
        nonlocal commits
        commits += 1
        return await real_commit(change)

    monkeypatch.setattr(rotation, "BATCH_PUTS", 2)
    monkeypatch.setattr(alice, "commit", counting)
    rotated = await rotation.rotate_subtree_keys(alice, "/t")
    assert len(rotated) == 5 and commits >= 4
    assert rotated[(await alice.walk("/t/a/x"))[1].node_id].old == [old]  # type: ignore[union-attr]
    assert openable_records(world, alice, [old]) == 0
    assert await read_text(alice, world, "/t/a/x/f.txt") == "deep file"
