# SPDX-License-Identifier: AGPL-3.0-or-later
"""Earlier versions in a folder whose keys were replaced when a member left (issue 14, "Versions":
the owner verifies versions written by share members against the roster in force when they were
written). Found by the issue 14 audit: the rotation re-seals every current record under the new
folder keys but not the earlier versions, which stay sealed under the keys it replaced, signed by
a writer the new roster may no longer list. Before the fix (spec/sharing.md, "Earlier keys after
a rotation") the owner's `versions` reported tampering (exit 3): "decrypt failed" for its own
versions, "a version by an unknown writer" for a former member's. Now the rotated folder's
signed record keeps each replaced key with the writers of its time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import EMBEDDED, Cli


@pytest.mark.parametrize("stack", [EMBEDDED])  # the client's reading; the same on both stacks
def test_the_owner_still_reads_earlier_versions_after_a_member_left(
    alice: Cli, bob: Cli, tmp_path: Path
) -> None:
    alice("mkdir", "/collab")
    alice("contacts", "invite", "bob")
    bob("contacts", "accept", "alice")
    alice("share", "/collab", "bob", "--write")
    note = tmp_path / "n.txt"
    for text in ("alice 1", "alice 2"):
        note.write_text(text)
        alice("put", str(note), "/collab/mine.txt")
    for text in ("bob 1", "bob 2"):
        note.write_text(text)
        bob("shared", "put", str(note), "collab/theirs.txt")
    alice("unshare", "/collab", "bob")
    for name, first in (("mine.txt", "alice 1"), ("theirs.txt", "bob 1")):
        listed = alice("versions", f"/collab/{name}", "--json", check=False)
        assert listed.returncode == 0, listed.stderr
        rows = json.loads(listed.stdout)
        assert [row["size"] for row in rows] == [len(first)]
        # bob's key was pinned but not compared in person: "bob (unverified)".
        author = "bob" if first.startswith("bob") else "alice"
        assert [row["author"].split()[0] for row in rows] == [author]
        out = tmp_path / f"old-{name}"
        alice("get", "--version", "1", f"/collab/{name}", str(out))
        assert out.read_text() == first
