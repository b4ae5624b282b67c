# SPDX-License-Identifier: AGPL-3.0-or-later
"""The correctness items of issue 14 that a daily user meets: trailing slashes, links to standard
output, JSON from export, a shared folder's name on download, who pays for a member's upload, and
the owner's versions of a member's file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sealbox.testing.server_process import ServerProcess

from .conftest import Cli

MIB = 1024 * 1024


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "files" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def test_put_file_to_a_new_folder_with_a_trailing_slash(alice: Cli, tmp_path: Path) -> None:
    alice("put", str(_file(tmp_path, "a.txt", b"a")), "/newdir/")
    assert json.loads(alice("ls", "/newdir", "--json").stdout)[0]["path"] == "/newdir/a.txt"
    alice("put", str(_file(tmp_path, "b.txt", b"b")), "/newdir/")  # now it exists: into it
    assert [r["name"] for r in json.loads(alice("ls", "/newdir", "--json").stdout)] == [
        "a.txt", "b.txt",
    ]  # fmt: skip


def test_export_json(alice: Cli, tmp_path: Path) -> None:
    alice("put", str(_file(tmp_path, "a.txt", b"a")), "/a.txt")
    made = json.loads(alice("export", "/a.txt", "--json").stdout)
    assert made["path"] == "/a.txt" and made["type"] == "file" and "#" in made["url"]
    assert json.loads(alice("export", "--delete", "/a.txt", "--json").stdout) == {"revoked": 1}


def test_get_link_to_standard_output(alice: Cli, tmp_path: Path) -> None:
    data = os.urandom(5 * MIB + 3)
    alice("put", str(_file(tmp_path, "big.bin", data)), "/big.bin")
    url = alice("export", "/big.bin").stdout.strip()
    visitor = tmp_path / "visitor"
    visitor.mkdir()
    piped = subprocess.run(
        [sys.executable, "-m", "sealbox", "get", url, "-"], cwd=visitor,
        env=alice.env(SEALBOX_HOME=str(tmp_path / "visitor-home")), stdin=subprocess.DEVNULL,
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == data
    assert list(visitor.iterdir()) == []  # no file called "-"
    alice("mkdir", "/f")
    folder = alice("export", "/f").stdout.strip()
    refused = alice("get", folder, "-", check=False)
    assert refused.returncode == 2 and "standard output" in refused.stderr


def _share(alice: Cli, bob: Cli, rights: str) -> None:
    alice("mkdir", "/collab")
    alice("contacts", "invite", "bob")
    bob("contacts", "accept", "alice")
    alice("share", "/collab", "bob", rights)


def test_a_shared_folder_downloads_under_its_name(alice: Cli, bob: Cli, tmp_path: Path) -> None:
    _share(alice, bob, "--read")
    alice("put", str(_file(tmp_path, "n.txt", b"note")), "/collab/n.txt")
    dest = tmp_path / "dest"
    dest.mkdir()
    bob("shared", "get", "collab", str(dest) + "/")
    assert (dest / "collab" / "n.txt").read_bytes() == b"note"
    assert not (dest / "root").exists()


def test_the_owner_lists_versions_a_member_wrote(alice: Cli, bob: Cli, tmp_path: Path) -> None:
    _share(alice, bob, "--write")
    bob("shared", "put", str(_file(tmp_path, "n.txt", b"first")), "collab/n.txt")
    bob("shared", "put", str(_file(tmp_path, "n.txt", b"second")), "collab/n.txt")
    # Verified against the folder's writers (the owner and its write members), as reads are.
    versions = alice("versions", "/collab/n.txt", "--json", check=False)
    assert versions.returncode == 0, versions.stderr  # was exit 3, "an unknown writer"
    assert [r["size"] for r in json.loads(versions.stdout)] == [len(b"first")]


def _set_quota(server: ServerProcess, username: str, quota: str) -> None:
    command = [sys.executable, "-m", "sealbox", "admin", "set-quota", username, quota,
               "--data", str(server.data_dir)]  # fmt: skip
    if server.db_url:
        command += ["--db", server.db_url]
    env = {**os.environ, **server.env}
    subprocess.run(command, check=True, capture_output=True, env=env, timeout=120)


def test_a_member_upload_is_checked_against_the_owner_quota(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    _share(alice, bob, "--write")
    small, big = (
        _file(tmp_path, "s.txt", b"s" * 1000),
        _file(tmp_path, "b.bin", os.urandom(3 * MIB)),
    )
    # bob's own quota is tiny; alice's is not: alice pays, so bob's uploads go in.
    _set_quota(server, "bob", "10")
    bob("shared", "put", str(small), "collab")
    bob("shared", "put", str(big), "collab")
    # alice's quota is full: bob is refused, before a byte of the large file is stored.
    _set_quota(server, "bob", "default")
    _set_quota(server, "alice", "100")
    for path in (small, big):
        refused = bob("shared", "put", str(path), "collab/again-" + path.name, check=False)
        assert refused.returncode == 1 and "quota" in refused.stderr, refused.stderr
