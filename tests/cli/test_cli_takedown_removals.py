# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the people a takedown concerns see, end to end on both stacks (spec/compliance.md §3.4):
after a scope-3 takedown the owner's folder still has a signed manifest listing the removed file,
and the client must say "removed by the operator (decision …)", not "withheld" (exit 3); the
owner acknowledges and the folder is clean; a visitor of the removed link is told it was removed
and why (exit 10), not "not found" and not tampering; a suspended account is told what it can
still do."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from sealbox.client.cli.exits import Exit
from sealbox.testing.server_process import ServerProcess

from .conftest import Cli
from .test_cli_compliance import admin, notice


def _take_down(server: ServerProcess, url: str, scope: str) -> str:
    """A complete notice for ``url`` in ``scope``, acted on by an operator; the decision's puid."""
    admin(server, "operators", "add", "olga")
    body = {**notice(url), "scope": scope}
    receipt = httpx.post(f"{server.url}/v1/notices", json=body, timeout=30).json()
    acted = json.loads(
        admin(server, "cases", "act", "--operator", "olga", "--json", "--", receipt["notice_id"])
    )
    assert acted["state"] == "actioned"
    return str(acted["decision"]["puid"])


def test_after_a_takedown_everywhere_the_owner_sees_a_removal_not_tampering(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "song.mp3").write_bytes(b"an unlicensed copy" * 100)
    (tmp_path / "notes.txt").write_bytes(b"my own notes")
    alice("mkdir", "/docs")
    alice("put", str(tmp_path / "song.mp3"), "/docs/song.mp3")
    alice("put", str(tmp_path / "notes.txt"), "/docs/notes.txt")
    url = alice("export", "/docs/song.mp3").stdout.strip()
    folder_url = alice("export", "/docs").stdout.strip()
    puid = _take_down(server, url, "everywhere")

    listed = alice("ls", "/docs", check=False)
    assert listed.returncode == Exit.OK, listed.stderr
    assert "notes.txt" in listed.stdout and "song.mp3" not in listed.stdout
    assert "withheld" not in listed.stderr and "tampered" not in listed.stderr
    assert "removed by the operator after a copyright notice" in listed.stderr
    assert puid in listed.stderr

    # The removed file itself: a plain message naming the decision, not "withheld".
    got = alice("get", "/docs/song.mp3", str(tmp_path / "out.mp3"), check=False)
    assert got.returncode == Exit.REMOVED, got.stderr
    assert puid in got.stderr and "withheld" not in got.stderr
    assert not (tmp_path / "out.mp3").exists()

    # The folder: everything else is written, the removal is named, and the exit is clean.
    whole = alice("get", "/docs", str(tmp_path / "copy"), check=False)
    assert whole.returncode == Exit.OK, whole.stderr
    assert (tmp_path / "copy" / "notes.txt").read_bytes() == b"my own notes"
    assert not (tmp_path / "copy" / "song.mp3").exists()
    assert puid in whole.stderr

    # A visitor of a link to the folder: the same, checked against the public decision.
    visited = bob("ls", folder_url, check=False)
    assert visited.returncode == Exit.OK, visited.stderr
    assert "notes.txt" in visited.stdout and "withheld" not in visited.stderr
    assert f"after a copyright notice (decision {puid}" in visited.stderr

    # The decision is in the owner's notices and public by its id.
    assert puid in alice("notices", "--json").stdout
    shown = alice("notices", "decision", puid).stdout
    assert "DECISION_VISIBILITY_CONTENT_REMOVED" in shown

    acknowledged = alice("notices", "acknowledge", "/docs")
    assert "1 removed item(s) of /docs acknowledged" in acknowledged.stderr
    clean = alice("ls", "/docs")
    assert "notes.txt" in clean.stdout
    assert clean.stderr == ""
    # A change in the folder works as before.
    alice("put", str(tmp_path / "notes.txt"), "/docs/more.txt")


def test_a_visitor_of_a_removed_link_is_told_why(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "song.mp3").write_bytes(b"an unlicensed copy")
    alice("put", str(tmp_path / "song.mp3"), "/song.mp3")
    url = alice("export", "/song.mp3").stdout.strip()
    puid = _take_down(server, url, "link")

    opened = bob("get", url, str(tmp_path / "got.mp3"), check=False)
    assert opened.returncode == Exit.REMOVED, opened.stderr
    assert "this link was removed by the operator after a copyright notice" in opened.stderr
    assert puid in opened.stderr
    assert "not found" not in opened.stderr and "tampered" not in opened.stderr
    assert not (tmp_path / "got.mp3").exists()


def test_a_suspended_account_is_told_what_it_can_still_do(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_bytes(b"a")
    alice("put", str(tmp_path / "a.txt"), "/a.txt")
    admin(server, "operators", "add", "olga")
    for n in range(3):  # three upheld notices suspend (the default policy)
        alice("put", str(tmp_path / "a.txt"), f"/copy{n}.txt")
        url = alice("export", f"/copy{n}.txt").stdout.strip()
        receipt = httpx.post(f"{server.url}/v1/notices", json=notice(url), timeout=30).json()
        admin(server, "cases", "act", "--operator", "olga", "--json", "--", receipt["notice_id"])

    refused = alice("mkdir", "/new", check=False)
    assert refused.returncode == Exit.DENIED, refused.stderr
    assert "this account is suspended" in refused.stderr
    assert "sealbox notices appeal" in refused.stderr
    assert alice("ls", "/").returncode == Exit.OK  # reading (an export) still works
