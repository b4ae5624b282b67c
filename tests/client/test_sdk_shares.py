"""Shares through the SDK against a real server app: pinning, safety numbers, read and write
members, writers' signatures, unsharing with key rotation, and a swapped identity bundle."""

from __future__ import annotations

import sqlite3
import time

import pytest

from sealbox.client.sdk import contacts, drops, files, shares
from sealbox.client.sdk.errors import ApiError, NotFoundError
from sealbox.client.sdk.tree import Drive
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys, make_bundle

from .conftest import World

pytestmark = pytest.mark.anyio


async def put_text(drive: Drive, world: World, remote: str, text: str) -> None:
    local = world.tmp / "upload" / remote.rsplit("/", 1)[-1]
    local.parent.mkdir(exist_ok=True)
    local.write_text(text)
    await files.put(drive, [local], remote, files.Reporter())


async def read_text(drive: Drive, world: World, remote: str) -> str:
    out = world.tmp / "download"
    out.mkdir(exist_ok=True)
    await files.get(drive, [remote], out / "x", files.Reporter())
    return (out / "x").read_text()


async def test_read_and_write_members(world: World) -> None:
    alice, bob, carol = [await world.user(n) for n in ("alice", "bob", "carol")]
    await alice.mkdir("/team")
    await put_text(alice, world, "/team/plan.txt", "the plan")
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


async def test_a_swapped_identity_bundle_stops_sharing(world: World) -> None:
    alice, bob = await world.user("alice"), await world.user("bob")
    await alice.mkdir("/a")
    await alice.mkdir("/b")
    await shares.share_folder(alice, "/a", "bob", shares.READ)  # pins bob on first sight
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
