# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partial files a killed get left behind are removed by the next get, and nothing else is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sealbox.client.sdk import files, orphans, transfers

from .conftest import World


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


def _left(folder: Path, pid: int, tail: str = "0123456789abcdef") -> Path:
    path = folder / f".sealbox-p{pid}-{tail}.part"
    path.write_bytes(b"half a file")
    return path


def test_a_sweep_removes_only_dead_runs_partial_files_of_this_user(tmp_path: Path) -> None:
    dead = _dead_pid()
    orphan = _left(tmp_path, dead)
    mine = _left(tmp_path, os.getpid())  # a get still running in this process
    journaled = tmp_path / ".sealbox-0123456789abcdef.part"  # a large download resumes it
    journaled.write_bytes(b"resumable")
    linked = _left(tmp_path, dead, "fedcba9876543210")
    os.link(linked, tmp_path / "second-name")
    target = tmp_path / "precious.txt"
    target.write_bytes(b"keep")
    planted = tmp_path / f".sealbox-p{dead}-aaaaaaaaaaaaaaaa.part"
    planted.symlink_to(target)
    user_file = tmp_path / "notes.sealbox-p1-0123456789abcdef.part"
    user_file.write_bytes(b"a name of the user's")

    assert orphans.sweep(tmp_path) == 1
    assert not orphan.exists()
    for kept in (mine, journaled, linked, target, user_file):
        assert kept.exists(), kept
    assert planted.is_symlink() and target.read_bytes() == b"keep"
    assert orphans.sweep(tmp_path / "missing") == 0


def test_partial_files_carry_the_process_id_unless_a_journal_names_them(tmp_path: Path) -> None:
    fd, path = transfers.create_partial(tmp_path / "a.txt")
    os.close(fd)
    assert path.name.startswith(f".sealbox-p{os.getpid()}-") and path.name.endswith(".part")
    fd, path = transfers.create_partial(tmp_path / "b.txt", journaled=True)
    os.close(fd)
    assert not path.name.startswith(".sealbox-p")


@pytest.mark.anyio
async def test_a_get_after_a_killed_one_removes_its_partial_files(
    world: World, tmp_path: Path
) -> None:
    drive = await world.user("olive")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(b"a" * 3000)
    (src / "sub" / "b.txt").write_bytes(b"b" * 300)
    await files.put(drive, [src], "/tree", files.Reporter())
    await files.put(drive, [src / "a.txt"], "/one.txt", files.Reporter())
    dest = tmp_path / "dest"  # exists: the copy of /tree goes into it, as dest/tree
    (dest / "tree" / "sub").mkdir(parents=True)
    dead = _dead_pid()
    left = [_left(dest / "tree", dead), _left(dest / "tree" / "sub", dead)]
    left.append(_left(tmp_path, dead, "1" * 16))
    await files.get(drive, ["/tree"], dest, files.Reporter())
    await files.get(drive, ["/one.txt"], tmp_path / "one.txt", files.Reporter())
    assert not any(path.exists() for path in left)
    assert (dest / "tree" / "sub" / "b.txt").read_bytes() == b"b" * 300
    assert sorted(p.name for p in dest.rglob("*")) == ["a.txt", "b.txt", "sub", "tree"]
