# SPDX-License-Identifier: AGPL-3.0-or-later
"""`sealbox mount` as a real process with a real FUSE mount, driven by the programs people use
on folders: cp, diff, rsync, sha256sum, dd, mv, rm. A chunk changed in the store is an
input/output error through the mount, never wrong bytes (issue 19, item 2)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import LoggedIn

pytestmark = pytest.mark.skipif(
    not os.path.exists("/dev/fuse") or shutil.which("fusermount3") is None,
    reason="FUSE is missing here (/dev/fuse and fusermount3; scripts/system-deps installs fuse3)",
)
BIG = 20 * 1024 * 1024 + 12345  # CI size; bench/mount_read.py reads 1 GiB through a mount


class Mounted:
    def __init__(self, alice: LoggedIn, where: Path, *extra: str) -> None:
        self.where = where
        where.mkdir()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sealbox", "mount", "/", str(where), "--cache-seconds", "1",
             *extra],
            env=alice.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not os.path.ismount(where):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no mount: {self.process.communicate()}")
            time.sleep(0.1)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=60)
        return self.process.returncode, err


@pytest.fixture
def mounted(logged_in: LoggedIn, tmp_path: Path) -> Iterator[Mounted]:
    mount = Mounted(logged_in, tmp_path / "mnt")
    try:
        yield mount
    finally:
        if mount.process.poll() is None:
            mount.stop()
        if os.path.ismount(mount.where):
            subprocess.run(["fusermount3", "-u", str(mount.where)], check=False)


def a_tree(base: Path) -> Path:
    tree = base / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "empty.txt").write_bytes(b"")
    (tree / "grüße ✓.txt").write_text("unicode names survive\n")
    (tree / "sub" / "notes.md").write_text("# notes\n" * 100)
    (tree / "sub" / "deeper" / "big.bin").write_bytes(os.urandom(BIG))
    return tree


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, check=True)


def test_the_tools_of_a_folder_work_through_the_mount(
    mounted: Mounted, logged_in: LoggedIn, tmp_path: Path
) -> None:
    tree = a_tree(tmp_path)
    mnt = mounted.where
    run("cp", "-r", str(tree), str(mnt / "copied"))
    run("diff", "-r", str(tree), str(mnt / "copied"))
    # rsync writes temporary names and renames them into place.
    run("rsync", "-a", f"{tree}/", f"{mnt}/synced/")
    run("diff", "-r", str(tree), str(mnt / "synced"))
    big = mnt / "copied" / "sub" / "deeper" / "big.bin"
    local_big = tree / "sub" / "deeper" / "big.bin"
    assert (
        run("sha256sum", str(big)).stdout.split()[0]
        == hashlib.sha256(local_big.read_bytes()).hexdigest()
    )
    data = local_big.read_bytes()
    for block in (0, 1023, 4096, 5120, (BIG // 4096) - 1):
        read = subprocess.run(
            ["dd", f"if={big}", "bs=4096", f"skip={block}", "count=3", "status=none"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        assert read == data[block * 4096 : (block + 3) * 4096]
    (mnt / "copied" / "sub" / "notes.md").rename(mnt / "copied" / "renamed.md")
    assert (mnt / "copied" / "renamed.md").read_text() == "# notes\n" * 100
    (mnt / "copied" / "empty.txt").unlink()
    shutil.rmtree(mnt / "synced" / "sub")
    listed = logged_in.sealbox("ls", "/copied").stdout.split()
    assert "renamed.md" in listed and "empty.txt" not in listed
    with (mnt / "copied" / "renamed.md").open("a") as appended:
        appended.write("appended\n")
    assert logged_in.sealbox("cat", "/copied/renamed.md").stdout.endswith("appended\n")

    # A change made elsewhere shows once the listing cache (1 s here) has expired.
    (tmp_path / "from-cli.txt").write_text("written by the CLI")
    logged_in.sealbox("put", str(tmp_path / "from-cli.txt"), "/copied/from-cli.txt")
    time.sleep(1.5)
    assert (mnt / "copied" / "from-cli.txt").read_text() == "written by the CLI"
    status, err = mounted.stop()
    assert status == 0, err
    assert not os.path.ismount(mnt)


def test_a_changed_chunk_is_an_input_output_error(
    mounted: Mounted, logged_in: LoggedIn, tmp_path: Path
) -> None:
    (tmp_path / "victim.bin").write_bytes(os.urandom(9 * 1024 * 1024))
    logged_in.sealbox("put", str(tmp_path / "victim.bin"), "/victim.bin")
    blobs = [p for p in (logged_in.server.data_dir / "blobs").rglob("*") if p.is_file()]
    target = max(blobs, key=lambda p: p.stat().st_size)
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    target.write_bytes(bytes(raw))
    time.sleep(1.2)
    with pytest.raises(OSError) as caught:
        (mounted.where / "victim.bin").read_bytes()
    assert caught.value.errno == 5  # EIO
    status, err = mounted.stop()
    assert status == 0 and "does not verify" in err


def test_read_only_refuses_changes(logged_in: LoggedIn, tmp_path: Path) -> None:
    mount = Mounted(logged_in, tmp_path / "ro", "--read-only")
    try:
        with pytest.raises(OSError) as caught:
            (mount.where / "new.txt").write_text("no")
        assert caught.value.errno == 30  # EROFS
    finally:
        assert mount.stop()[0] == 0


def test_a_mountpoint_that_is_not_empty_is_refused(logged_in: LoggedIn, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "sealbox", "mount", "/", str(tmp_path / "full")],
        env=logged_in.env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "not empty" in result.stderr
