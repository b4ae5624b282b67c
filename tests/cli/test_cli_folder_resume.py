# SPDX-License-Identifier: AGPL-3.0-or-later
"""A folder `put` or `get` killed at any point resumes into the same place on a rerun, and a run
after a finished one lands there too: exactly one copy, identical to the source (issue 14,
"Folder resume"). And a rerun after a run that committed
its last upload but was killed before it forgot the upload's journal resumes too, without
"content id is already in use"."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

from .conftest import Cli, metric

MIB = 1024 * 1024


def _make_tree(top: Path) -> dict[str, bytes]:
    """A folder with a large file first (so the target exists while it uploads), many small
    files, and a subfolder with more of both."""
    rng = random.Random(1414)
    files = {"a-big.bin": os.urandom(9 * MIB + 5)}
    files |= {f"small-{i:03}.txt": rng.randbytes(rng.randrange(1, 3000)) for i in range(120)}
    files |= {f"sub/deeper/n-{i:02}.txt": rng.randbytes(rng.randrange(1, 900)) for i in range(30)}
    files["sub/z-big.bin"] = os.urandom(6 * MIB)
    for name, data in files.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_bytes(data)
    return files


def _local_files(top: Path) -> dict[str, bytes]:
    found = {}
    for path in top.rglob("*"):
        if path.is_file():
            found[str(path.relative_to(top))] = path.read_bytes()
    return found


def _wait_for(predicate: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def _kill(process: object, rng: random.Random, started: object) -> None:
    """Kill -9 at a random point after ``started()`` became true (or at once if it ended)."""
    proc = process  # subprocess.Popen
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not started():  # type: ignore[attr-defined,operator]
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 1.5))
    proc.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
    proc.wait()  # type: ignore[attr-defined]


def test_killed_folder_put_and_get_resume_into_one_copy(alice: Cli, tmp_path: Path) -> None:
    source = tmp_path / "many"
    files = _make_tree(source)
    rng = random.Random(int.from_bytes(os.urandom(4)))
    # The target does not exist: the first run creates /many2 as the copy, every rerun goes on
    # filling it (never /many2/many).
    for _ in range(3):
        chunks = metric(alice.server, "sealbox_chunks_received")
        process = alice.popen("put", str(source), "/many2")
        _kill(process, rng, lambda c=chunks: metric(alice.server, "sealbox_chunks_received") > c)
    alice("put", str(source), "/many2")
    alice("put", str(source), "/many2")  # a run after a finished one lands at the same level
    listed = json.loads(alice("ls", "-R", "/many2", "--json").stdout)
    remote = {r["path"].removeprefix("/many2/"): r["size"] for r in listed if r["type"] == "file"}
    assert remote == {name: len(data) for name, data in files.items()}
    assert len(alice.journals("put-to:")) == 1

    target = tmp_path / "gdl"
    for _ in range(3):
        process = alice.popen("get", "/many2", str(target))
        _kill(process, rng, target.exists)
    alice("get", "/many2", str(target))
    alice("get", "/many2", str(target))
    assert _local_files(target) == files  # gdl is the copy: no gdl/many2 inside
    assert not list(target.rglob(".sealbox-*.part"))
    assert alice.journals("down:") == {}


def test_a_rerun_after_a_kill_between_commit_and_journal_resumes(
    alice: Cli, tmp_path: Path
) -> None:
    local = tmp_path / "late.bin"
    local.write_bytes(os.urandom(10 * MIB))
    process = alice.popen("put", str(local), "/late.bin")
    _wait_for(
        lambda: alice.journals("up:") and any("sealed" in j for j in alice.journals("up:").values())
    )
    process.send_signal(signal.SIGKILL)
    process.wait()
    ((key, body),) = alice.journals("up:").items()
    alice("put", str(local), "/late.bin")  # resumes and commits, then forgets the journal
    assert alice.journals("up:") == {}
    # What a run killed just after its commit leaves: the journal of an upload now committed.
    db = sqlite3.connect(alice.home / "state.db")
    with db:
        db.execute("INSERT INTO journal VALUES (?, ?)", (key, json.dumps(body)))
    db.close()
    sent = metric(alice.server, "sealbox_chunk_bytes_received")
    again = alice("put", str(local), "/late.bin", check=False)
    assert again.returncode == 0, again.stderr  # was exit 5, "content id is already in use"
    assert metric(alice.server, "sealbox_chunk_bytes_received") == sent  # nothing sent again
    assert alice.journals("up:") == {}
    assert json.loads(alice("versions", "/late.bin", "--json").stdout) == []
    out = tmp_path / "back.bin"
    alice("get", "/late.bin", str(out))
    assert out.read_bytes() == local.read_bytes()
