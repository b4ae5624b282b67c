# SPDX-License-Identifier: AGPL-3.0-or-later
"""The SDK against a real server app: accounts, the tree, and transfers round trip."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sealbox.client.sdk import account, files
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import ApiError, ConflictError, NotFoundError, SealboxError
from sealbox.crypto.errors import ErrorCode, IntegrityError

from .conftest import FAST, SERVER, World

pytestmark = pytest.mark.anyio


async def test_signup_login_resume(world: World) -> None:
    api = world.api()
    state = world.state("alice")
    session, recovery_text = await account.signup(api, state, SERVER, "Alice", "pw one", **FAST)
    assert session.username == "alice" and len(recovery_text.split("-")) == 14
    again = await account.login(world.api(), world.state("alice2"), SERVER, "alice", "pw one")
    assert again.user_id == session.user_id and again.root_key == session.root_key
    resumed = await account.resume(world.api(), state)
    assert resumed.trash_key == session.trash_key
    with pytest.raises(ApiError) as excinfo:
        await account.login(world.api(), world.state("x"), SERVER, "alice", "wrong")
    assert excinfo.value.code == "bad_credentials"


async def test_password_change_and_recovery(world: World) -> None:
    state = world.state("bob")
    session, recovery_text = await account.signup(world.api(), state, SERVER, "bob", "old", **FAST)
    await account.change_password(session, "old", "new", **FAST)
    with pytest.raises(ApiError):
        await account.login(world.api(), world.state("b2"), SERVER, "bob", "old")
    await account.login(world.api(), world.state("b3"), SERVER, "bob", "new")
    recovered = await account.recover(
        world.api(), world.state("b4"), SERVER, "bob", recovery_text.lower(), "newer", **FAST
    )
    assert recovered.master_key == session.master_key


async def test_weaker_kdf_than_before_is_refused(world: World) -> None:
    state = world.state("carol")
    await account.signup(
        world.api(), state, SERVER, "carol", "pw", opslimit=3, memlimit=FAST["memlimit"]
    )
    known = state.remembered_account(SERVER, "carol")
    assert known is not None and known.opslimit == 3
    state.remember_account(SERVER, "carol", replace(known, opslimit=4))
    with pytest.raises(IntegrityError) as excinfo:
        await account.login(world.api(), state, SERVER, "carol", "pw")
    assert excinfo.value.code == ErrorCode.KDF_BELOW_FLOOR
    # A device upgraded from a client that kept only the strongest costs still applies them.
    upgraded = world.state("carol-upgraded")
    upgraded.save_kdf_floor(SERVER, "carol", 4, FAST["memlimit"])
    with pytest.raises(IntegrityError) as excinfo:
        await account.login(world.api(), upgraded, SERVER, "carol", "pw")
    assert excinfo.value.code == ErrorCode.KDF_BELOW_FLOOR
    upgraded.save_kdf_floor(SERVER, "carol", 3, FAST["memlimit"])
    await account.login(world.api(), upgraded, SERVER, "carol", "pw")
    assert upgraded.remembered_account(SERVER, "carol") == known


async def test_tree_operations(world: World, tmp_path: Path) -> None:
    drive = await world.user("dave")
    await drive.mkdir("/docs/deep/er", parents=True)
    with pytest.raises(ConflictError):
        await drive.mkdir("/docs")
    local = tmp_path / "a.txt"
    local.write_bytes(b"hello")
    await files.put(drive, [local], "/docs", files.Reporter())
    root = await drive.root()
    assert [c.name for c in root.children] == ["docs"]
    await drive.move("/docs/a.txt", "/docs/deep/b.txt")
    await drive.copy("/docs/deep/b.txt", "/c.txt")
    await drive.remove("/docs/deep/b.txt")
    trash = await drive.trash()
    assert [c.name for c in trash.children] == ["b.txt"]
    assert await drive.restore("b.txt") == "/docs/deep/b.txt"
    await drive.remove("/c.txt", permanent=True)
    with pytest.raises(NotFoundError):
        await drive.walk("/c.txt")
    out = tmp_path / "out.txt"
    await files.get(drive, ["/docs/deep/b.txt"], out, files.Reporter())
    assert out.read_bytes() == b"hello"


async def test_round_trip_large_and_tree(world: World, tmp_path: Path) -> None:
    drive = await world.user("erin")
    src = tmp_path / "src"
    (src / "sub" / "inner").mkdir(parents=True)
    (src / "empty.bin").write_bytes(b"")
    (src / "sub" / "big.bin").write_bytes(os.urandom(9 * 1024 * 1024 + 5))
    (src / "sub" / "inner" / "é ünïcode name.txt").write_bytes(b"x" * 4096)
    (src / "Case.txt").write_bytes(b"upper")
    (src / "case.txt").write_bytes(b"lower")
    await files.put(drive, [src], "/backup", files.Reporter())
    dest = tmp_path / "dest"
    await files.get(drive, ["/backup"], dest, files.Reporter())
    for path in src.rglob("*"):
        twin = dest / path.relative_to(src)
        assert twin.exists(), twin
        if path.is_file():
            assert twin.read_bytes() == path.read_bytes(), path
    # A second put of a changed file makes a new version of the same node.
    (src / "case.txt").write_bytes(b"lower, edited")
    await files.put(drive, [src / "case.txt"], "/backup/case.txt", files.Reporter())
    versions = await drive.versions("/backup/case.txt")
    assert len(versions) == 1 and versions[0][1].size == len(b"lower")


async def test_rollback_of_a_folder_is_detected(world: World, tmp_path: Path) -> None:
    drive: Drive = await world.user("frank")
    await drive.mkdir("/one")
    session = drive.session
    mark = session.state.mark(session.user_id, session.root_id)
    assert mark is not None and mark.version == 2
    # Pretend this device saw a newer root manifest than the server now serves.
    from sealbox.crypto.manifest import Seen

    session.state.save_mark(session.user_id, session.root_id, Seen(5, b"\x00" * 32))
    with pytest.raises(IntegrityError) as excinfo:
        await drive.root()
    assert excinfo.value.code == ErrorCode.ROLLBACK


async def test_stream_file_yields_only_verified_chunks(world: World, tmp_path: Path) -> None:
    drive = await world.user("grace")
    data = os.urandom(9 * 1024 * 1024 + 5)  # three chunks
    (tmp_path / "big.bin").write_bytes(data)
    await files.put(drive, [tmp_path / "big.bin"], "/big.bin", files.Reporter())
    assert b"".join([piece async for piece in files.stream_file(drive, "/big.bin")]) == data
    with pytest.raises(SealboxError, match="not a file"):
        await anext(files.stream_file(drive, "/"))
    # Damage the second chunk where the server keeps it (the filesystem store names each chunk's
    # file after its key, chunks/<content id>/<index>): the first arrives, then the refusal.
    (blob,) = [p for p in (tmp_path / "server").rglob("chunks%2F*%2F1") if p.is_file()]
    raw = bytearray(blob.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    blob.write_bytes(raw)
    pieces = []
    with pytest.raises(IntegrityError):
        async for piece in files.stream_file(drive, "/big.bin"):
            pieces.append(piece)
    assert pieces == [data[: 4 * 1024 * 1024]]


async def test_the_injected_clock_stamps_folders_and_trash_names(world: World) -> None:
    session = (await world.user("heidi")).session
    drive = Drive(session, clock=lambda: 1_700_000_000.25)
    await drive.mkdir("/a")
    await drive.mkdir("/b/a", parents=True)
    root = await drive.root()
    made = root.child("a")
    assert made is not None and made.metadata.mtime == 1_700_000_000_250
    await drive.remove("/a")
    await drive.remove("/b/a")
    stamp = time.strftime("%Y-%m-%d %H%M%S", time.localtime(1_700_000_000.25))
    assert sorted(c.name for c in (await drive.trash()).children) == ["a", f"a (deleted {stamp})"]
