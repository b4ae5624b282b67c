# SPDX-License-Identifier: AGPL-3.0-or-later
"""The real CLI against a real server process: trees, names, sizes, two users."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .conftest import EMBEDDED, Cli


def _tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_tree_with_awkward_names_round_trips_and_stays_private(
    alice: Cli, bob: Cli, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    deep = src / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (src / "empty").mkdir()
    (src / "empty.bin").write_bytes(b"")
    (deep / "nested.txt").write_text("deep\n")
    (src / "Résumé – ünïcödé ☃.txt").write_text("unicode")
    (src / ("x" * 200 + "é" * 27)).write_bytes(b"long name, 254 bytes")  # near NAME_MAX
    (src / "README.md").write_text("upper")
    (src / "readme.md").write_text("lower")  # collides with the one above after case folding
    (src / "a" / "five-mib.bin").write_bytes(os.urandom(5 * 1024 * 1024 + 3))
    alice("put", str(src), "/docs")
    listing = json.loads(alice("ls", "-R", "--json", "/docs").stdout)
    assert {row["path"] for row in listing} >= {"/docs/README.md", "/docs/readme.md", "/docs/empty"}
    out = tmp_path / "out"
    alice("get", "/docs", str(out))
    assert _tree_digest(out) == _tree_digest(src)
    # Bob sees nothing of Alice's, and cannot guess his way in.
    assert json.loads(bob("ls", "--json", "/").stdout) == []
    result = bob("get", "/docs", str(tmp_path / "bob-out"), check=False)
    assert result.returncode == 4 and "no such file" in result.stderr
    # Tree operations through the CLI.
    alice("mv", "/docs/readme.md", "/docs/a/lower.md")
    alice("cp", "/docs/a", "/copy-of-a")
    alice("rm", "/docs/README.md")
    assert "README.md" in alice("trash", "ls").stdout
    alice("trash", "restore", "README.md")
    alice("rm", "--permanent", "/copy-of-a")
    assert alice("cat", "/docs/a/lower.md").stdout == "lower"
    found = alice("find", "*.md").stdout.split()
    assert sorted(found) == ["/docs/README.md", "/docs/a/lower.md"]
    du = json.loads(alice("du", "--json", "/docs").stdout)
    assert du["files"] == 7


def test_one_gib_file_round_trips(alice: Cli, tmp_path: Path, stack: str) -> None:
    # Ceph's test OSD keeps objects in RAM (2 GiB for every worker's tests), so the scale-out
    # stack moves 256 MiB; bench/stack_transfer.py measures the full 1 GiB on it.
    mebibytes = 1024 if stack == EMBEDDED else 256
    big = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with big.open("wb") as f:
        for i in range(mebibytes):
            piece = i.to_bytes(8, "big") + block[8:]  # every MiB differs
            digest.update(piece)
            f.write(piece)
    alice("put", str(big), "/big.bin")
    big.unlink()
    out = tmp_path / "big-again.bin"
    alice("get", "/big.bin", str(out))
    check = hashlib.sha256()
    with out.open("rb") as f:
        while chunk := f.read(8 * 1024 * 1024):
            check.update(chunk)
    assert check.hexdigest() == digest.hexdigest()
    assert out.stat().st_size == mebibytes * 1024**2


def test_ten_thousand_small_files(alice: Cli, tmp_path: Path, stack: str) -> None:
    # On the scale-out stack 2,000 files: each is its own S3 object, and the test radosgw stores
    # about 150 a second on a busy CI machine.
    per_folder = 1000 if stack == EMBEDDED else 200
    src = tmp_path / "many"
    for d in range(10):
        folder = src / f"dir{d}"
        folder.mkdir(parents=True)
        for i in range(per_folder):
            (folder / f"file{i:04}.txt").write_bytes(f"{d}/{i}\n".encode() * (1 + i % 50))
    alice("put", str(src), "/many")
    out = tmp_path / "many-out"
    alice("get", "/many", str(out))
    assert _tree_digest(out) == _tree_digest(src)
