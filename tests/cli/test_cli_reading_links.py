# SPDX-License-Identifier: AGPL-3.0-or-later
"""`ls`, `tree` and `cat` of links (issue 14: "`cat`, `tree` and `ls` of a drop link do not work
on links"). A download link reads like a folder or file of its own, with no account. A drop link
only takes uploads: its owner lists the files waiting in it, anyone else is told what the link is
for and where its files go, never a remote-path error or a login prompt."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sealbox.client.cli import exits
from sealbox.testing.server_process import ServerProcess

from .conftest import Cli

NOWHERE = "http://127.0.0.1:9"  # a visitor's configured server: nothing here may need it
VISITOR = {"SEALBOX_SERVER": NOWHERE, "SEALBOX_PASSWORD": ""}


def _cat(cli: Cli, url: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        cli.command("cat", url), env=cli.env(**VISITOR), stdin=subprocess.DEVNULL,
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip


def test_tree_and_cat_of_a_link_need_no_account(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    src = tmp_path / "docs"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha\n")
    data = os.urandom(5 * 1024 * 1024 + 3)  # more than one chunk
    (src / "sub" / "b.bin").write_bytes(data)
    alice("put", str(src), "/docs")
    folder_url = alice("export", "/docs").stdout.strip()
    file_url = alice("export", "/docs/sub/b.bin").stdout.strip()
    guest = Cli(server, tmp_path / "guest-home")

    drawn = guest("tree", folder_url, **VISITOR).stdout
    assert drawn.splitlines() == ["docs", "├── a.txt", "└── sub", "    └── b.bin"]
    shape = json.loads(guest("tree", "--json", folder_url, **VISITOR).stdout)
    assert shape["name"] == "docs"
    assert [c["name"] for c in shape["children"]] == ["a.txt", "sub"]
    (b_bin,) = shape["children"][1]["children"]
    assert b_bin == {"name": "b.bin", "type": "file", "size": len(data)}
    assert guest("tree", file_url, **VISITOR).stdout.splitlines() == ["b.bin"]

    piped = _cat(guest, file_url)
    assert (piped.returncode, piped.stdout) == (0, data), piped.stderr
    folder = _cat(guest, folder_url)
    assert folder.returncode == 2 and b"the link opens a folder" in folder.stderr
    assert not (guest.home / "session.json").exists()

    # A download link as the target of an upload: said plainly, nothing is sent.
    (tmp_path / "c.txt").write_text("c")
    sent = alice("put", str(tmp_path / "c.txt"), file_url, check=False)
    assert sent.returncode == 2 and exits.LINK_ONLY_DOWNLOADS in sent.stderr, sent.stderr


def test_a_drop_link_lists_its_waiting_files_for_its_owner_only(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    alice("mkdir", "/inbox")
    url = alice("request", "create", "/inbox").stdout.strip()
    guest = Cli(server, tmp_path / "guest-home")
    (tmp_path / "report.txt").write_text("from a stranger")
    guest("put", str(tmp_path / "report.txt"), url, **VISITOR)

    # Anyone but the owner (no account, or another account) is told what the link is for, for
    # every command that reads; before, `ls` said "not logged in" or "remote paths start with /".
    out = str(tmp_path / "out")
    for who, env in ((guest, VISITOR), (bob, {})):
        for command in (["ls", url], ["tree", url], ["cat", url], ["get", url, out],
                        ["import", url, "/"]):  # fmt: skip
            refused = who(*command, check=False, **env)
            assert refused.returncode == 2, (command, refused.stderr)
            assert exits.DROP_LINK_ONLY_UPLOADS in refused.stderr, (command, refused.stderr)
    assert not Path(out).exists()

    # The owner lists what waits in it, with where it goes once accepted.
    listed = alice("ls", url)
    assert listed.stdout.splitlines() == ["report.txt"]
    assert "1 file(s) waiting in your drop link into /inbox" in listed.stderr
    assert "sealbox request accept" in listed.stderr
    (row,) = json.loads(alice("ls", "--json", url).stdout)
    assert (row["name"], row["size"], row["damaged"]) == ("report.txt", 15, False)
    assert row["content_id"] in alice("ls", "-l", url).stdout
    # Reading a waiting file goes through accepting it: the owner is told so too.
    assert alice("cat", url, check=False).returncode == 2
    alice("request", "accept")
    assert alice("ls", url).stdout == ""
    assert alice("cat", "/inbox/report.txt").stdout == "from a stranger"
