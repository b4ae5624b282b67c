# SPDX-License-Identifier: AGPL-3.0-or-later
"""Incoming shares pin nobody (spec/sharing.md, "Shares from contacts only"): alice, bob and
carol with the real CLI. A share shows only from an accepted contact pinned on this device; any
other is hidden with a note on what to accept, and nobody is pinned until the user accepts."""

from __future__ import annotations

import json
from pathlib import Path

from sealbox.testing.server_process import ServerProcess

from .conftest import Cli


def pinned(cli: Cli) -> list[str]:
    return sorted(
        row["username"] for row in json.loads(cli("contacts", "--json").stdout) if row["pinned"]
    )


def test_shares_show_only_after_an_explicit_accept(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    carol = Cli(server, tmp_path / "carol-home")
    carol("signup", "carol")
    alice("mkdir", "/team")
    carol("mkdir", "/carols")
    alice("contacts", "invite", "bob")
    bob("contacts", "accept", "alice")
    alice("share", "/team", "bob", "--read")
    carol("contacts", "invite", "bob")
    bob("contacts", "accept", "carol")
    carol("share", "/carols", "bob", "--read")
    assert sorted(r["folder"] for r in json.loads(bob("shares", "--json").stdout)) == [
        "carols", "team",
    ]  # fmt: skip

    # bob's second device: both are his contacts, neither is pinned here. Listing pins nobody.
    second = Cli(server, tmp_path / "bob-second")
    second("login", "bob")
    listed = second("shares")
    assert listed.returncode == 0 and listed.stdout == ""
    assert "a share from alice (as the server names them) is hidden" in listed.stderr
    assert "sealbox contacts accept alice" in listed.stderr
    assert "sealbox contacts accept carol" in listed.stderr
    assert json.loads(second("shares", "--json").stdout) == []
    assert pinned(second) == []
    gone = second("shared", "ls", "team", check=False)
    assert gone.returncode == 4 and "hidden" in gone.stderr
    assert pinned(second) == []

    # Accepting alice here pins her, and only her; her share shows, carol's stays hidden.
    second("contacts", "accept", "alice")
    assert pinned(second) == ["alice"]
    listed = second("shares")
    assert "team  from alice (unverified)" in listed.stdout and "carols" not in listed.stdout
    assert "from carol" in listed.stderr
    second("shared", "ls", "team")

    # carol ends the contact: her share stays on the server, but bob sees it as hidden.
    carol("contacts", "remove", "bob")
    listed = bob("shares")
    assert "carols" not in listed.stdout and "team" in listed.stdout
    assert "a share from carol" in listed.stderr and "sealbox contacts invite" in listed.stderr
