# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server lies about kept versions (get --version, versions restore) or about device names
(threat catalogue A47, A48)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sealbox.client.sdk import files, sessions, versions
from sealbox.client.sdk.drive import Drive
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.layout import b64url
from sealbox.protocol.models import b64encode
from sealbox.testing.hostile import Exchange

from .conftest import Arena

pytestmark = pytest.mark.anyio
VERSIONS = r"/v1/nodes/[^/]+/versions"


async def _put(drive: Drive, tmp: Path, remote: str, data: bytes) -> None:
    path = tmp / f"upload-{os.urandom(4).hex()}"
    path.write_bytes(data)
    await files.put(drive, [path], remote, files.Reporter())


async def _two_files_with_versions(drive: Drive, tmp: Path) -> None:
    for data in (b"a, first", b"a, second"):
        await _put(drive, tmp, "/a.txt", data)
    for data in (b"b, first", b"b, second"):
        await _put(drive, tmp, "/b.txt", data)


def _rewrite_versions(change: dict[str, object]) -> object:
    def rewrite(exchange: Exchange) -> bytes | None:
        body = json.loads(exchange.body)
        for version in body["versions"]:
            version.update(change)
        return json.dumps(body).encode()

    return rewrite


async def test_A47_server_names_other_content_for_an_old_version(
    arena: Arena, tmp_path: Path
) -> None:
    drive = await arena.user("alice")
    await _two_files_with_versions(drive, tmp_path)
    ((number, _),) = await drive.versions("/a.txt")
    ((_, b_old),) = await drive.versions("/b.txt")
    other = {"content_id": b64encode(b_old.metadata.content_id)}  # type: ignore[union-attr]
    arena.hostile.on("GET", VERSIONS, _rewrite_versions(other))  # type: ignore[arg-type]
    dest = tmp_path / "old.txt"
    with pytest.raises(IntegrityError) as excinfo:
        await versions.get_version(drive, "/a.txt", number, dest, files.Reporter())
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    assert not dest.exists() and not list(tmp_path.glob(".sealbox-*.part"))


async def test_A47_server_forges_a_version_record_for_restore(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await _two_files_with_versions(drive, tmp_path)
    ((number, node),) = await drive.versions("/a.txt")
    listed = (await drive.api.versions(node.node_id)).versions[0]
    record = bytearray(listed.record)
    record[-1] ^= 0x01  # the signature no longer covers the record
    arena.hostile.on("GET", VERSIONS, _rewrite_versions({"record": b64encode(bytes(record))}))  # type: ignore[arg-type]
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        await versions.restore_version(drive, "/a.txt", number)
    assert excinfo.value.code == ErrorCode.BAD_SIGNATURE
    assert not [r for r in arena.hostile.requests[mark:] if r.method == "POST"]


async def test_A48_server_swaps_device_names_between_sessions(arena: Arena) -> None:
    drive = await arena.user("alice")
    await sessions.name_device(drive.session, "laptop")

    def another_sessions_name(exchange: Exchange) -> bytes | None:
        body = json.loads(exchange.body)
        body["sessions"].append(
            {**body["sessions"][0], "session_id": b64url(os.urandom(16)), "current": False}
        )
        return json.dumps(body).encode()

    arena.hostile.on("GET", "/v1/sessions", another_sessions_name)
    with pytest.raises(IntegrityError) as excinfo:
        await sessions.list_sessions(drive.session)
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED
    arena.hostile.clear()
    named = await sessions.list_sessions(drive.session)
    assert [s.device for s in named] == ["laptop"]
