# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shares end to end: alice, bob and carol with the real CLI against a real server process."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from sealbox.crypto.identity import IdentityKeys, make_bundle
from sealbox.crypto.layout import from_b64url
from sealbox.protocol.models import b64encode
from sealbox.server.db.engine import make_engine, sqlite_url
from sealbox.testing.server_process import ServerProcess

from .conftest import Cli


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "files" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_read_share_write_share_and_unshare(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    carol = Cli(server, tmp_path / "carol-home")
    carol("signup", "carol")
    alice("mkdir", "/team")
    alice("put", str(write(tmp_path, "plan.txt", "the plan")), "/team/plan.txt")
    # Only contacts share: a share to a stranger is refused, with what to do about it.
    refused = alice("share", "/team", "bob", "--read", check=False)
    assert refused.returncode == 1 and "sealbox contacts invite bob" in refused.stderr
    alice("contacts", "invite", "bob")
    alice("contacts", "invite", "carol")
    assert json.loads(bob("contacts", "ls", "--json").stdout) == [
        {"username": "alice", "user_id": json.loads(bob("contacts", "--json").stdout)[0]["user_id"],
         "state": "invites you", "pinned": False, "verified": False, "key_changed": False}
    ]  # fmt: skip
    assert (
        alice("contacts").stdout == "bob (unverified)  [invited]\ncarol (unverified)  [invited]\n"
    )
    bob("contacts", "accept", "alice")
    carol("contacts", "accept", "alice")
    # bob invites carol, who declines; withdrawing with --forget-key drops bob's pin of carol.
    bob("contacts", "invite", "carol")
    carol("contacts", "decline", "bob")
    assert "carol (unverified)  [pinned]" in bob("contacts").stdout
    bob("contacts", "invite", "carol")
    bob("contacts", "remove", "carol", "--forget-key")
    assert bob("contacts").stdout == "alice (unverified)\n"
    assert alice("contacts", "ls").stdout == "bob (unverified)\ncarol (unverified)\n"
    alice("share", "/team", "bob", "--read")
    alice("share", "/team", "carol", "--write")
    assert alice("share", "/team", "bob", check=False).returncode == 2  # neither --read nor --write

    incoming = json.loads(bob("shares", "--json").stdout)
    assert [
        (r["direction"], r["folder"], r["user"], r["rights"], r["verified"]) for r in incoming
    ] == [("incoming", "team", "alice", "read", False)]
    assert "from alice (unverified)" in bob("shares").stdout
    outgoing = json.loads(alice("shares", "--json").stdout)
    assert sorted((r["user"], r["rights"], r["folder"]) for r in outgoing) == [
        ("bob", "read", "/team"), ("carol", "write", "/team"),
    ]  # fmt: skip

    # Read share: bob reads, and cannot write.
    out = tmp_path / "bob-out"
    out.mkdir()
    bob("shared", "get", "team/plan.txt", str(out / "plan.txt"))
    assert (out / "plan.txt").read_text() == "the plan"
    refused = bob("shared", "put", str(write(tmp_path, "b.txt", "bob")), "team", check=False)
    assert refused.returncode == 8 and "read-only" in refused.stderr

    # Write share: carol writes; alice sees the file, signed by carol; bob sees who wrote it.
    carol("shared", "put", str(write(tmp_path, "notes.txt", "carol's notes")), "team")
    alice("get", "/team/notes.txt", str(tmp_path / "alice-notes.txt"))
    assert (tmp_path / "alice-notes.txt").read_text() == "carol's notes"
    listing = json.loads(bob("shared", "ls", "--json", "team").stdout)
    assert {r["name"]: r["author"] for r in listing} == {
        "notes.txt": "carol (unverified)",
        "plan.txt": "alice (unverified)",
    }
    assert "by carol (unverified)" in bob("shared", "ls", "-l", "team").stdout

    # Safety numbers: the same on both sides; confirming removes the "unverified" mark.
    number = alice("contacts", "verify", "bob").stdout.strip()
    assert bob("contacts", "verify", "alice", "--confirm").stdout.strip() == number
    assert len(number.split()) == 12
    assert bob("contacts").stdout.split("\n")[0] == "alice"
    assert "alice (unverified)" not in bob("shared", "ls", "-l", "team").stdout

    # Unshare bob: he loses access at once; carol keeps working under the new key.
    alice("unshare", "/team", "bob")
    gone = bob("shared", "ls", "team", check=False)
    assert gone.returncode == 4
    carol("shared", "put", str(write(tmp_path, "later.txt", "after bob left")), "team")
    alice("get", "/team/later.txt", str(tmp_path / "later.txt"))
    assert (tmp_path / "later.txt").read_text() == "after bob left"
    assert json.loads(bob("shares", "--json").stdout) == []


def test_a_swapped_identity_bundle_is_refused(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    alice("mkdir", "/one")
    alice("mkdir", "/two")
    alice("contacts", "invite", "bob")  # alice pins bob's key on first sight
    bob("contacts", "accept", "alice")
    assert alice("contacts").stdout == "bob (unverified)\n"
    alice("share", "/one", "bob", "--read")
    bob_id = from_b64url(json.loads(bob("df", "--json").stdout)["user_id"])
    forged = make_bundle(IdentityKeys.generate(), bob_id, "bob", 2, int(time.time()))
    # The server's operator swaps bob's bundle in the database, whichever database it is.
    engine = make_engine(server.db_url or sqlite_url(server.data_dir / "sealbox.db"))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE accounts SET identity_bundle = :bundle WHERE username = 'bob'"),
            {"bundle": forged},
        )
    engine.dispose()
    refused = alice("share", "/two", "bob", "--read", check=False)
    assert refused.returncode == 3
    assert "identity key of bob has changed" in refused.stderr
    assert "contacts verify bob" in refused.stderr
    shared = json.loads(alice("shares", "--json").stdout)
    assert [r["folder"] for r in shared] == ["/one"]
    assert "bob (KEY CHANGED" in alice("contacts").stdout
    assert json.loads(alice("contacts", "--json").stdout)[0]["key_changed"] is True
    warned = alice("contacts", "verify", "bob")
    assert "changed" in warned.stderr
    # Only an explicit confirmation (after comparing safety numbers) accepts the new key.
    alice("contacts", "verify", "bob", "--confirm")
    assert alice("contacts").stdout == "bob\n"
    alice("share", "/two", "bob", "--read")
    # Removing the contact leaves the shares (and, without --forget-key, the pin) in place.
    alice("contacts", "remove", "bob")
    assert alice("contacts").stdout == "bob  [pinned]\n"
    assert sorted(r["folder"] for r in json.loads(alice("shares", "--json").stdout)) == [
        "/one",
        "/two",
    ]
    assert alice("contacts", "remove", "bob", check=False).returncode == 4


def test_one_damaged_incoming_share_is_left_out_and_reported(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    carol = Cli(server, tmp_path / "carol-home")
    carol("signup", "carol")
    alice("mkdir", "/team")
    carol("mkdir", "/carols")
    for owner in (alice, carol):
        owner("contacts", "invite", "bob")
    bob("contacts", "accept", "alice")
    bob("contacts", "accept", "carol")
    alice("share", "/team", "bob", "--read")
    carol("share", "/carols", "bob", "--read")
    (carols,) = json.loads(carol("shares", "--json").stdout)
    # carol's envelope to bob is replaced with one that does not verify (a damaged write, or a
    # sender or server sending garbage): bob's list keeps alice's share and names carol's.
    response = httpx.put(
        f"{server.url}/v1/shares/{carols['share_id']}/envelope",
        headers={"Authorization": f"Bearer {carol.token()}"},
        json={"envelope": b64encode(b"SBOX\x01\x0d" + bytes(200))},
    )
    assert response.status_code == 204
    for args in (("shares",), ("shares", "--json")):
        listed = bob(*args, check=False)
        assert listed.returncode == 3
        assert "team" in listed.stdout and "carols" not in listed.stdout
        assert f"refused a share {carols['share_id']}" in listed.stderr
        assert "'carol'" in listed.stderr and "1 incoming share(s) did not verify" in listed.stderr
    assert [r["folder"] for r in json.loads(bob("shares", "--json", check=False).stdout)] == [
        "team"
    ]
    bob("shared", "ls", "team")
