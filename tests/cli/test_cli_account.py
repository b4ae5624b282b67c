"""Account commands through the real CLI, scripted with passwords from the environment."""

from __future__ import annotations

import json

from .conftest import Cli


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
    assert (
        fresh("login", "alice", check=False, SEALBOX_PASSWORD="a brand new password").returncode
        == 6
    )


def test_recovery_key_resets_the_password(server: object, tmp_path: object) -> None:
    from pathlib import Path

    from sealbox.testing.server_process import ServerProcess

    assert isinstance(server, ServerProcess) and isinstance(tmp_path, Path)
    carol = Cli(server, tmp_path / "carol")
    recovery_key = carol("signup", "carol").stdout.strip()
    carol("put", __file__, "/note.py")
    rescued = Cli(server, tmp_path / "carol-rescued")
    rescued(
        "recover", "carol", SEALBOX_RECOVERY_KEY=recovery_key, SEALBOX_NEW_PASSWORD="new secret"
    )
    source = Path(__file__)
    assert rescued("cat", "/note.py").stdout == source.read_text()
    assert carol("ls", "/", check=False).returncode == 6  # every old session ended
    tree = json.loads(rescued("tree", "--json").stdout)
    assert tree["children"] == [
        {"name": "note.py", "type": "file", "size": len(source.read_bytes())}
    ]
