# SPDX-License-Identifier: AGPL-3.0-or-later
"""Interrupted transfers resume without re-sending, and tampering leaves nothing behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from sealbox.crypto import content
from sealbox.protocol.models import b64encode

from .conftest import Cli, flip_a_bit_in_the_largest_blob, metric

MIB = 1024 * 1024
SIZE = 160 * MIB + 12345  # 41 chunks of 4 MiB


def _wait_for(predicate: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def _chunk_bytes(indexes: set[int]) -> int:
    count = content.chunk_count(SIZE, content.DEFAULT_CHUNK_SIZE)
    last = SIZE - (count - 1) * content.DEFAULT_CHUNK_SIZE + content.TAG_BYTES
    full = content.DEFAULT_CHUNK_SIZE + content.TAG_BYTES
    return sum(last if i == count - 1 else full for i in indexes)


def test_killed_put_resumes_without_resending_chunks(alice: Cli, tmp_path: Path) -> None:
    local = tmp_path / "resume.bin"
    local.write_bytes(os.urandom(SIZE))
    # Held to 20 MiB/s, so that it is surely still sending when it is killed: unthrottled, the
    # whole file can be through before the first poll.
    process = alice.popen("put", "--bwlimit", "20M", str(local), "/resume.bin")
    _wait_for(lambda: metric(alice.server, "sealbox_chunks_received") >= 8)
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(1.0)  # let requests the server had fully received finish storing
    (journal_key,) = alice.journals("up:")
    content_id = alice.journals("up:")[journal_key]["content_id"]
    state = httpx.get(
        f"{alice.server.url}/v1/uploads/{content_id}",
        headers={"Authorization": f"Bearer {alice.token()}"},
    ).json()
    present = set(state["present"])
    count = content.chunk_count(SIZE, content.DEFAULT_CHUNK_SIZE)
    assert 0 < len(present) < count
    before = metric(alice.server, "sealbox_chunk_bytes_received")
    alice("put", str(local), "/resume.bin")
    sent = metric(alice.server, "sealbox_chunk_bytes_received") - before
    assert sent == _chunk_bytes(set(range(count)) - present)
    assert alice.journals("up:") == {}
    out = tmp_path / "back.bin"
    alice("get", "/resume.bin", str(out))
    assert out.read_bytes() == local.read_bytes()


def test_killed_get_resumes_without_refetching_verified_chunks(alice: Cli, tmp_path: Path) -> None:
    local = tmp_path / "source.bin"
    local.write_bytes(os.urandom(SIZE))
    alice("put", str(local), "/source.bin")
    out = tmp_path / "fetched.bin"
    # Held to 20 MiB/s: the first checkpoint (16 chunks) comes after about 3 s, the end after 8.
    # Unthrottled, the whole file can be written and its journal dropped between two polls.
    process = alice.popen("get", "--bwlimit", "20M", "/source.bin", str(out))

    def some_done() -> bool:
        journals = alice.journals("down:")
        return any(len(j["done"]) >= 8 for j in journals.values())  # type: ignore[arg-type]

    _wait_for(some_done)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists()  # nothing at the destination until every chunk verified
    (journal,) = alice.journals("down:").values()
    done = set(journal["done"])  # type: ignore[call-overload]
    before = metric(alice.server, "sealbox_content_bytes_sent")
    alice("get", "/source.bin", str(out))
    fetched = metric(alice.server, "sealbox_content_bytes_sent") - before
    count = content.chunk_count(SIZE, content.DEFAULT_CHUNK_SIZE)
    assert fetched == content.HEADER_BYTES + _chunk_bytes(set(range(count)) - done)
    assert out.read_bytes() == local.read_bytes()
    assert not list(tmp_path.glob(".sealbox-*.part"))


def test_tampered_chunk_fails_get_with_integrity_code_and_no_file(
    alice: Cli, tmp_path: Path, stack: str, request: pytest.FixtureRequest
) -> None:
    local = tmp_path / "victim.bin"
    local.write_bytes(os.urandom(6 * MIB))
    alice("put", str(local), "/victim.bin")
    flip_a_bit_in_the_largest_blob(alice, stack, request)
    out = tmp_path / "victim-out.bin"
    result = alice("get", "/victim.bin", str(out), check=False)
    assert result.returncode == 3, result.stderr
    assert "integrity" in result.stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".sealbox-*.part"))
    assert alice.journals("down:") == {}
    result = alice("cat", "/victim.bin", check=False)
    assert result.returncode == 3


def test_scripted_use_never_prompts_and_reports_exit_codes(alice: Cli) -> None:
    assert alice("ls", "/nowhere", check=False).returncode == 4
    alice("mkdir", "/x")
    assert alice("mkdir", "/x", check=False).returncode == 5
    no_password = alice("login", "alice", check=False, SEALBOX_PASSWORD="")
    assert no_password.returncode == 2 and "SEALBOX_PASSWORD" in no_password.stderr
    wrong = alice("login", "alice", check=False, SEALBOX_PASSWORD="wrong")
    assert wrong.returncode == 6
    assert b64encode(b"\x00" * 16)  # the helper stays importable for other tests
