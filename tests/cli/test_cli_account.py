# SPDX-License-Identifier: AGPL-3.0-or-later
"""Account commands through the real CLI, scripted with passwords from the environment."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from sealbox.client.sdk import account
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.state import LocalState
from sealbox.crypto import password
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.server.db.engine import make_engine, sqlite_url
from sealbox.testing.server_process import ServerProcess

from .conftest import Cli

PASSWORD = "a long and correct password"  # the password Cli gives every command


def test_account_lifecycle(alice: Cli) -> None:
    signup_home = alice.home
    assert json.loads(alice("whoami", "--json").stdout)["username"] == "alice"
    sessions = json.loads(alice("sessions", "--json").stdout)
    assert len(sessions) == 1 and sessions[0]["current"]
    # A second device logs in; the first ends it again.
    other = Cli(alice.server, signup_home.parent / "alice-laptop")
    other("login", "alice")
    assert len(json.loads(alice("sessions", "--json").stdout)) == 2
    alice("sessions", "revoke", "--others")
    assert other("ls", "/", check=False).returncode == 6
    # Password change re-wraps the master key only: the drive is still there afterwards.
    alice("mkdir", "/kept")
    alice("passwd", SEALBOX_NEW_PASSWORD="a brand new password")
    fresh = Cli(alice.server, signup_home.parent / "alice-new")
    assert fresh("login", "alice", check=False).returncode == 6  # the old password is gone
    fresh("login", "alice", SEALBOX_PASSWORD="a brand new password")
    assert json.loads(fresh("ls", "--json", "/").stdout)[0]["name"] == "kept"
    fresh("logout")
    assert fresh("ls", "/", check=False).returncode == 6
    alice("account", "delete", "--yes", SEALBOX_PASSWORD="a brand new password")
    # This device remembers alice's user id; the name now gets the server's fake answer, with
    # another one, and nothing is derived until the person says the account is gone.
    gone = fresh("login", "alice", check=False, SEALBOX_PASSWORD="a brand new password")
    assert gone.returncode == 3 and "--forget-remembered" in gone.stderr
    forgotten = fresh(
        "login",
        "--forget-remembered",
        "alice",
        check=False,
        SEALBOX_PASSWORD="a brand new password",
    )
    assert forgotten.returncode == 6
    assert alice("login", "alice", check=False).returncode == 6  # the deleting device forgot it


def test_recovery_key_resets_the_password(server: object, tmp_path: object) -> None:
    from pathlib import Path

    from sealbox.testing.server_process import ServerProcess

    assert isinstance(server, ServerProcess) and isinstance(tmp_path, Path)
    carol = Cli(server, tmp_path / "carol")
    recovery_key = carol("signup", "carol").stdout.strip()
    carol("put", __file__, "/note.py")
    rescued = Cli(server, tmp_path / "carol-rescued")
    rescued(
        "recover",
        "carol",
        SEALBOX_RECOVERY_KEY=recovery_key,
        SEALBOX_NEW_PASSWORD="new secret phrase",
    )
    source = Path(__file__)
    assert rescued("cat", "/note.py").stdout == source.read_text()
    assert carol("ls", "/", check=False).returncode == 6  # every old session ended
    tree = json.loads(rescued("tree", "--json").stdout)
    assert tree["children"] == [
        {"name": "note.py", "type": "file", "size": len(source.read_bytes())}
    ]


def test_a_guessable_password_is_refused_with_the_reason(alice: Cli, tmp_path: Path) -> None:
    dave = Cli(alice.server, tmp_path / "dave")
    refused = dave("signup", "dave", check=False, SEALBOX_PASSWORD="dave1234")
    assert refused.returncode == 2, refused.stderr
    assert "too easy to guess" in refused.stderr and "--weak-password" in refused.stderr
    assert dave("login", "dave", check=False, SEALBOX_PASSWORD="dave1234").returncode == 6
    dave("signup", "--weak-password", "dave", SEALBOX_PASSWORD="dave1234")
    weak = alice("passwd", check=False, SEALBOX_NEW_PASSWORD="password1")
    assert weak.returncode == 2 and "very common password" in weak.stderr
    alice("whoami")  # still logged in with the old password: nothing changed


def test_sessions_show_device_names_only_the_account_holder_can_read(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    laptop = Cli(server, tmp_path / "alice-laptop")
    laptop("login", "--device", "Alice's laptop", "alice")
    rows = json.loads(alice("sessions", "--json").stdout)
    by_device = {row["device"]: row for row in rows}
    assert set(by_device) == {"Alice's laptop", socket.gethostname()[:64]}
    assert by_device["Alice's laptop"]["current"] is False
    assert "Alice's laptop" in laptop("sessions").stdout
    engine = make_engine(server.db_url or sqlite_url(server.data_dir / "sealbox.db"))
    try:
        with engine.begin() as conn:
            sealed = dict(conn.execute(text("SELECT session_id, device FROM sessions")).all())
            assert all(b"laptop" not in bytes(blob) for blob in sealed.values())
            # A server that shows one session's name against another's is caught.
            first, second = sealed
            for session_id, blob in ((first, sealed[second]), (second, sealed[first])):
                conn.execute(
                    text("UPDATE sessions SET device = :blob WHERE session_id = :sid"),
                    {"blob": blob, "sid": session_id},
                )
    finally:
        engine.dispose()
    swapped = alice("sessions", check=False)
    assert swapped.returncode == 3, swapped.stderr


def _set_salt(server: ServerProcess, username: str, salt: bytes) -> bytes:
    """What a hostile operator does: change an account's salt in the database. Returns the old."""
    engine = make_engine(server.db_url or sqlite_url(server.data_dir / "sealbox.db"))
    try:
        with engine.begin() as conn:
            where = {"name": username}
            old = conn.execute(
                text("SELECT kdf_salt FROM accounts WHERE username = :name"), where
            ).scalar_one()
            conn.execute(
                text("UPDATE accounts SET kdf_salt = :salt WHERE username = :name"),
                {**where, "salt": salt},
            )
        return bytes(old)
    finally:
        engine.dispose()


def test_a_changed_salt_is_refused_on_every_path(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    laptop = Cli(server, tmp_path / "alice-laptop")
    laptop("login", "alice")
    honest = _set_salt(server, "alice", os.urandom(16))
    for args in (("ls", "/"), ("passwd",), ("account", "delete", "--yes")):
        refused = alice(*args, check=False, SEALBOX_NEW_PASSWORD="another password")
        assert refused.returncode == 3, (args, refused.stderr)
        assert "other password settings than this device set or checked" in refused.stderr
        assert "Traceback" not in refused.stderr
    known = laptop("login", "alice", check=False)
    assert known.returncode == 3
    assert "another password salt for alice than this device remembers" in known.stderr
    new_device = Cli(server, tmp_path / "alice-new")("login", "alice", check=False)
    assert new_device.returncode == 3
    assert "did not derive" in new_device.stderr and "--legacy-salt" in new_device.stderr
    # Nothing was changed or sent: with the honest salt back, everything works as before.
    _set_salt(server, "alice", honest)
    alice("ls", "/")
    laptop("login", "alice")


def _signup_with_an_older_client(server: ServerProcess, home: Path, username: str) -> None:
    """An account made before derived salts: its salt is random."""

    async def work() -> None:
        async with httpx.AsyncClient(base_url=server.url) as http:
            state = LocalState(home)
            try:
                await account.signup(
                    Api(http), state, server.url, username, PASSWORD,
                    opslimit=FLOOR_OPSLIMIT, memlimit=FLOOR_MEMLIMIT,
                )  # fmt: skip
            finally:
                state.close()

    with pytest.MonkeyPatch.context() as older_client:
        older_client.setattr(password, "derive_salt", lambda *_: os.urandom(16))
        asyncio.run(work())


def test_an_account_with_a_legacy_salt_moves_to_a_derived_one(
    server: ServerProcess, tmp_path: Path
) -> None:
    _signup_with_an_older_client(server, tmp_path / "carol-old", "carol")
    old_device = Cli(server, tmp_path / "carol-old")
    old_device("ls", "/")  # the device that made it needs nothing new
    tablet = Cli(server, tmp_path / "carol-tablet")
    assert tablet("login", "carol", check=False).returncode == 3
    accepted = tablet("login", "--legacy-salt", "carol")
    assert "run `sealbox passwd`" in accepted.stderr
    tablet("passwd", SEALBOX_NEW_PASSWORD=PASSWORD)  # the same password, now under a derived salt
    assert "sealbox passwd" not in Cli(server, tmp_path / "carol-desk")("login", "carol").stderr
    assert "sealbox passwd" not in old_device("login", "carol").stderr
