# SPDX-License-Identifier: AGPL-3.0-or-later
"""A write member adds a second ``plan.txt`` to the owner's shared folder, with a node id that
sorts last (spec/metadata.md, "Duplicate names"): alice, bob and carol with the real CLI. The
owner's name opens neither file; listings show both with who wrote them; a label opens each; a
folder download writes both and says which one it renamed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sealbox.testing.server_process import ServerProcess

from .conftest import Cli

# What bob's own (modified) client does: put a new file beside alice's of the same name, instead
# of replacing it as the reference client would, with the greatest node id.
SHADOW = """
import os, sys
from pathlib import Path
from sealbox.client.cli.context import Options, run, with_drive
from sealbox.client.sdk import shares, transfers
from sealbox.client.sdk.changes import Change

async def work(drive):
    inside = await shares.open_shared(drive, "team")
    ids = [b"\\xff" * 16]
    inside.rng = lambda n: ids.pop() if n == 16 and ids else os.urandom(n)
    folder = await inside.root()
    sealed = transfers.seal_small(Path(sys.argv[1]), "plan.txt")
    change = Change()
    inside.add_file(change, folder, sealed.metadata, sealed.file_key, inline=sealed.inline)
    await inside.commit(change)

run(lambda: with_drive(Options(None, Path(os.environ["SEALBOX_HOME"]), True, False), work))
"""
THEIRS = "plan.txt@________"  # the label of the id 0xff..ff: its first 8 base64url characters


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "files" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_a_member_cannot_shadow_the_owners_file(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    carol = Cli(server, tmp_path / "carol-home")
    carol("signup", "carol")
    alice("mkdir", "/team")
    alice("put", str(write(tmp_path, "plan.txt", "alice's plan")), "/team/plan.txt")
    for member in (bob, carol):
        alice("contacts", "invite", member.home.name.split("-")[0])
        member("contacts", "accept", "alice")
    alice("share", "/team", "bob", "--write")
    alice("share", "/team", "carol", "--read")
    forged = write(tmp_path, "bobs.txt", "bob's plan")
    subprocess.run([sys.executable, "-c", SHADOW, str(forged)], env=bob.env(), check=True)

    # The owner's name opens neither: the error names both, with who wrote each; exit 5.
    refused = alice("cat", "/team/plan.txt", check=False)
    assert refused.returncode == 5 and refused.stdout == ""
    assert "/team/plan.txt names 2 items" in refused.stderr
    assert "by alice (you)" in refused.stderr and "by bob (unverified)" in refused.stderr
    rows = json.loads(alice("ls", "--json", "/team").stdout)
    assert [(r["name"], r["duplicate"]) for r in rows] == [("plan.txt", True)] * 2
    labels = {r["author"]: r["label"] for r in rows}
    assert sorted(labels) == ["alice (you)", "bob (unverified)"]
    mine = labels["alice (you)"]
    assert labels["bob (unverified)"] == THEIRS
    assert sorted(r["path"] for r in rows) == sorted([f"/team/{mine}", f"/team/{THEIRS}"])
    assert alice("cat", f"/team/{mine}").stdout == "alice's plan"
    assert alice("cat", f"/team/{THEIRS}").stdout == "bob's plan"

    # Every listing shows both, each by the label that opens it and who wrote it.
    mark = "another item is also called plan.txt; this one is by"
    for args in (("ls", "/team"), ("ls", "-l", "/team"), ("ls", "-R", "/"), ("tree", "/team"),
                 ("find", "plan*")):  # fmt: skip
        shown = alice(*args).stdout
        assert f"{mine}  [{mark} alice (you)]" in shown, args
        assert f"{THEIRS}  [{mark} bob (unverified)]" in shown, args
    found = json.loads(alice("find", "plan*", "--json").stdout)
    assert sorted(r["path"] for r in found) == sorted([f"/team/{mine}", f"/team/{THEIRS}"])
    shape = json.loads(alice("tree", "--json", "/team").stdout)
    assert sorted(c["label"] for c in shape["children"]) == sorted([mine, THEIRS])

    # A folder download writes both: alice's file keeps its name, bob's is renamed, and said.
    out = tmp_path / "alice-out"
    got = alice("get", "/team", str(out))
    assert (out / "plan.txt").read_text() == "alice's plan"
    assert (out / "plan (________).txt").read_text() == "bob's plan"
    assert f"/team/{THEIRS} was saved as {out / 'plan (________).txt'}" in got.stderr

    # carol, a reader, meets the same: an error on the name, both listed, both downloaded.
    listed = carol("shared", "ls", "-l", "team").stdout
    assert f"{mine}  [{mark} alice (unverified)]  by alice (unverified)" in listed
    assert f"{THEIRS}  [{mark} bob" in listed
    refused = carol("shared", "get", "team/plan.txt", str(tmp_path / "c.txt"), check=False)
    assert refused.returncode == 5 and "names 2 items" in refused.stderr
    assert not (tmp_path / "c.txt").exists()
    carol("shared", "get", f"team/{mine}", str(tmp_path / "c.txt"))
    assert (tmp_path / "c.txt").read_text() == "alice's plan"
    theirs_out = tmp_path / "carol-out"
    said = carol("shared", "get", "team", str(theirs_out)).stderr
    # carol wrote neither, so neither keeps the bare name.
    assert sorted(p.name for p in theirs_out.iterdir()) == sorted(
        [f"plan ({mine.split('@')[1]}).txt", "plan (________).txt"]
    )
    assert said.count("was saved as") == 2
