# SPDX-License-Identifier: AGPL-3.0-or-later
"""Items the operator removed after a takedown (spec/compliance.md §3.4), met through the
programs that only know files, each a real process or client in front of a real server: the
WebDAV server answers 451 Unavailable For Legal Reasons with the decision in plain words and
lists the rest of the folder; the FUSE mount answers EACCES ("Permission denied") for a file it
listed before, lists the rest and logs why; fsspec raises ``Removed``, a ``PermissionError``.
None of them shows the removal as tampering (EIO, 502), and the name is free for a new file."""

from __future__ import annotations

import errno
import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from sealbox.client.access import Removed
from sealbox.client.fsspec import SealboxFileSystem
from sealbox.client.webdav import USER
from tests.access.conftest import LoggedIn
from tests.access.test_mount import Mounted, mounted  # noqa: F401 (the fixture)
from tests.access.test_webdav import TOKEN, Served, served  # noqa: F401 (the fixture)
from tests.cli.test_cli_compliance import admin, notice

TAMPERING = ("does not verify", "withheld", "input/output", "Traceback")


def two_files(alice: LoggedIn, tmp_path: Path) -> None:
    """/docs/song.mp3, which a notice will name, and /docs/notes.txt beside it."""
    (tmp_path / "song.mp3").write_bytes(b"an unlicensed copy" * 100)
    (tmp_path / "notes.txt").write_bytes(b"my own notes")
    alice.sealbox("mkdir", "/docs")
    alice.sealbox("put", str(tmp_path / "song.mp3"), "/docs/song.mp3")
    alice.sealbox("put", str(tmp_path / "notes.txt"), "/docs/notes.txt")


def take_down(alice: LoggedIn, path: str, first: bool = True) -> str:
    """A complete notice for a link to ``path``, acted on in scope everywhere; the decision's
    public id. ``first``: the operator is added first."""
    url = alice.sealbox("export", path).stdout.strip()
    server = alice.server
    if first:
        admin(server, "operators", "add", "olga")
    body = {**notice(url), "works": [f"Our Song at {path}"], "scope": "everywhere"}
    receipt = httpx.post(f"{server.url}/v1/notices", json=body, timeout=30).json()
    acted = json.loads(
        admin(server, "cases", "act", "--operator", "olga", "--json", "--", receipt["notice_id"])
    )
    assert acted["state"] == "actioned"
    return str(acted["decision"]["puid"])


def says_removed(text: str, puid: str) -> None:
    assert puid in text and "copyright" in text and "sealbox notices" in text
    assert "removed" in text
    for word in TAMPERING:
        assert word not in text


def test_webdav_answers_451_and_lists_the_rest(
    served: Served,  # noqa: F811
    tmp_path: Path,
) -> None:
    alice = served.alice
    two_files(alice, tmp_path)
    with httpx.Client(auth=(USER, TOKEN), timeout=60) as client:
        depth = {"Depth": "1"}
        before = client.request("PROPFIND", f"{served.url}docs/", headers=depth)
        assert before.status_code == 207 and "song.mp3" in before.text
        puid = take_down(alice, "/docs/song.mp3")
        time.sleep(2.5)  # the listing kept by the server (2 s) expires

        got = client.get(f"{served.url}docs/song.mp3")
        assert got.status_code == 451 and got.reason_phrase == "Unavailable For Legal Reasons"
        assert got.headers["content-type"].startswith("text/plain")
        says_removed(got.text, puid)
        assert "The operator removed this item" in got.text
        assert b"an unlicensed copy" not in got.content

        listed = client.request("PROPFIND", f"{served.url}docs/", headers=depth)
        assert listed.status_code == 207
        assert "notes.txt" in listed.text and "song.mp3" not in listed.text
        assert client.get(f"{served.url}docs/notes.txt").content == b"my own notes"

        # A name never listed in that folder may be the removed item: said so, also 451.
        maybe = client.get(f"{served.url}docs/other.mp3")
        assert maybe.status_code == 451 and "may be one of them" in maybe.text
        # And the name is free for a new file.
        assert client.put(f"{served.url}docs/song.mp3", content=b"mine").status_code in (201, 204)
        assert client.get(f"{served.url}docs/song.mp3").content == b"mine"
    log = (tmp_path / "webdav.log").read_text()
    assert "sealbox: note: /docs/song.mp3: 451 Unavailable For Legal Reasons" in log
    says_removed(log, puid)
    assert "refused" not in log


def test_the_mount_answers_permission_denied_lists_the_rest_and_logs_why(
    logged_in: LoggedIn,
    mounted: Mounted,  # noqa: F811
    tmp_path: Path,
) -> None:
    two_files(logged_in, tmp_path)
    docs = mounted.where / "docs"
    assert sorted(p.name for p in docs.iterdir()) == ["notes.txt", "song.mp3"]
    puid = take_down(logged_in, "/docs/song.mp3")
    time.sleep(1.5)  # the mount's listings (1 s here) expire

    cat = subprocess.run(["cat", str(docs / "song.mp3")], capture_output=True, text=True)
    assert cat.returncode != 0 and "Permission denied" in cat.stderr
    with pytest.raises(PermissionError) as caught:
        (docs / "song.mp3").read_bytes()
    assert caught.value.errno == errno.EACCES
    assert sorted(p.name for p in docs.iterdir()) == ["notes.txt"]
    assert (docs / "notes.txt").read_bytes() == b"my own notes"
    (docs / "new.txt").write_bytes(b"written after the takedown")
    assert logged_in.sealbox("cat", "/docs/new.txt").stdout == "written after the takedown"

    status, err = mounted.stop()
    assert status == 0, err
    assert "an item of /docs was removed by the operator after a copyright notice" in err
    assert "/docs/song.mp3: permission denied: The operator removed this item" in err
    says_removed(err, puid)


def test_fsspec_raises_removed_a_permission_error(logged_in: LoggedIn, tmp_path: Path) -> None:
    two_files(logged_in, tmp_path)
    fs = SealboxFileSystem(home=str(logged_in.home), skip_instance_cache=True)
    try:
        assert fs.ls("/docs", detail=False) == ["/docs/notes.txt", "/docs/song.mp3"]
        puid = take_down(logged_in, "/docs/song.mp3")
        time.sleep(2.5)  # the handle's listings (2 s) expire
        with pytest.raises(Removed) as caught:
            fs.cat("/docs/song.mp3")
        assert isinstance(caught.value, PermissionError)
        assert caught.value.errno == errno.EACCES and caught.value.certain
        says_removed(str(caught.value), puid)
        with pytest.raises(PermissionError):
            fs.open("/docs/song.mp3", "rb")
        assert fs.ls("/docs", detail=False) == ["/docs/notes.txt"]
        assert not fs.exists("/docs/song.mp3")
        assert fs.cat("/docs/notes.txt") == b"my own notes"

        # A decision made after the handle first checked the account's notices is found too
        # (the handle lives long: it looks again for a decision it has not seen).
        second = take_down(logged_in, "/docs/notes.txt", first=False)
        time.sleep(2.5)
        assert fs.ls("/docs", detail=False) == []
        with pytest.raises(Removed) as again:
            fs.cat("/docs/notes.txt")
        says_removed(str(again.value), second)
    finally:
        fs.handle.close()
