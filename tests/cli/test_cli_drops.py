# SPDX-License-Identifier: AGPL-3.0-or-later
"""Drop links end to end: alice makes a file request, an anonymous visitor uploads through it
(and can list nothing), and alice checks and accepts what arrived."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from sealbox.testing.server_process import ServerProcess

from .conftest import Cli


def test_drop_link_upload_accept_and_no_listing(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    alice("mkdir", "/inbox")
    (tmp_path / "seed.txt").write_text("mine")
    alice("put", str(tmp_path / "seed.txt"), "/inbox/report.txt")
    url = alice("request", "create", "/inbox").stdout.strip()
    assert "/d/" in url and "#d" in url and url.startswith(server.url)

    guest = Cli(server, tmp_path / "anonymous-home")
    files = tmp_path / "to-send"
    files.mkdir()
    (files / "report.txt").write_text("from a stranger")  # the same name as alice's file
    (files / "big.bin").write_bytes(os.urandom(5 * 1024 * 1024 + 1))
    env = {"SEALBOX_SERVER": "http://127.0.0.1:9", "SEALBOX_PASSWORD": ""}
    guest("put", str(files / "report.txt"), str(files / "big.bin"), url, **env)
    assert not (guest.home / "session.json").exists()
    # The uploader cannot list or read anything: a drop link is not a folder link.
    for attempt in (("ls", url), ("get", url, str(tmp_path / "x"))):
        denied = guest(*attempt, check=False, **env)
        assert denied.returncode != 0

    waiting = json.loads(alice("request", "ls", "--json").stdout)
    assert [sorted(p["name"] for p in d["pending"]) for d in waiting] == [["big.bin", "report.txt"]]
    assert waiting[0]["folder"] == "/inbox"
    alice("request", "accept")
    names = [row["name"] for row in json.loads(alice("ls", "--json", "/inbox").stdout)]
    assert sorted(names) == ["big.bin", "report (2).txt", "report.txt"]
    out = tmp_path / "out"
    alice("get", "/inbox", str(out))
    assert (out / "report (2).txt").read_text() == "from a stranger"
    assert (out / "report.txt").read_text() == "mine"
    assert (out / "big.bin").read_bytes() == (files / "big.bin").read_bytes()
    assert json.loads(alice("request", "ls", "--json").stdout)[0]["pending"] == []

    # Reject and delete.
    (files / "spam.txt").write_text("spam")
    guest("put", str(files / "spam.txt"), url, **env)
    spam = json.loads(alice("request", "ls", "--json").stdout)[0]["pending"][0]["content_id"]
    alice("request", "reject", "--", spam)  # ids can start with "-"
    assert json.loads(alice("request", "ls", "--json").stdout)[0]["pending"] == []
    alice("request", "delete", url)
    late = guest("put", str(files / "spam.txt"), url, check=False, **env)
    assert late.returncode == 4


def test_drop_link_expiry(alice: Cli, server: ServerProcess, tmp_path: Path) -> None:
    alice("mkdir", "/inbox")
    assert alice("request", "create", "/inbox", "--expires", "soon", check=False).returncode == 2
    url = alice("request", "create", "/inbox", "--expires", "2s").stdout.strip()
    (listed,) = json.loads(alice("request", "ls", "--json").stdout)
    assert isinstance(listed["expires_at"], int)
    assert "expires 20" in alice("request", "ls").stdout
    guest = Cli(server, tmp_path / "anonymous-home")
    (tmp_path / "late.txt").write_text("too late")
    env = {"SEALBOX_SERVER": "http://127.0.0.1:9", "SEALBOX_PASSWORD": ""}
    time.sleep(2.5)
    late = guest("put", str(tmp_path / "late.txt"), url, check=False, **env)
    assert late.returncode == 4 and "expired" in late.stderr
