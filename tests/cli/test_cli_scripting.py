# SPDX-License-Identifier: AGPL-3.0-or-later
"""Scripting the CLI: --json on commands that change things, errors as JSON, -v/--debug."""

from __future__ import annotations

import json

from .conftest import Cli


def test_commands_that_change_things_answer_in_json_and_so_do_their_errors(alice: Cli) -> None:
    def answer(*args: str) -> object:
        return json.loads(alice(*args, "--json").stdout)

    assert answer("mkdir", "/a") == {"made": "/a"}
    assert answer("mv", "/a", "/b") == {"moved": "/a", "to": "/b"}
    assert answer("cp", "/b", "/c") == {"copied": "/b", "to": "/c"}
    assert answer("rm", "/c") == {"trashed": ["/c"]}
    assert answer("trash", "restore", "c") == {"restored": ["/c"]}
    assert answer("rm", "--permanent", "/c") == {"deleted": ["/c"]}
    alice("rm", "/b")
    assert answer("trash", "empty", "--yes") == {"deleted": 1}
    assert answer("sessions", "revoke", "--others") == {"sessions_ended": 0}

    failed = alice("mkdir", "--json", "/missing/child", check=False)
    assert failed.returncode == 4 and failed.stdout == ""
    error = json.loads(failed.stderr)["error"]
    assert error["code"] == 4 and "no such folder: /missing" in error["message"]
    plain = alice("mkdir", "/missing/child", check=False)
    assert plain.stderr.startswith("sealbox: no such folder")

    assert answer("logout") == {"logged_out": True}
    assert answer("login", "--device", "ci", "alice")["device"] == "ci"


def test_debug_logs_requests_to_stderr_and_never_a_secret(alice: Cli) -> None:
    alice("mkdir", "/private-folder-name")
    result = alice("-v", "ls", "/")
    lines = [line for line in result.stderr.splitlines() if line.startswith("sealbox: debug: ")]
    assert any("GET /v1/folders/<id> -> 200" in line for line in lines), result.stderr
    for secret in (alice.token(), "a long and correct password", "private-folder-name"):
        assert secret not in result.stderr
    assert "sealbox: debug" not in alice("ls", "/").stderr


def test_sharing_links_and_drops_answer_in_json(alice: Cli, bob: Cli) -> None:
    def answer(cli: Cli, *args: str) -> dict[str, object]:
        value = json.loads(cli(*args, "--json").stdout)
        assert isinstance(value, dict)
        return value

    assert answer(alice, "contacts", "invite", "bob")["invited"] == "bob"
    assert answer(bob, "contacts", "accept", "alice")["contact"] == "alice"
    verify = answer(alice, "contacts", "verify", "bob")
    assert verify["verified"] is False and verify["safety_number"]
    alice("mkdir", "/team")
    shared = answer(alice, "share", "/team", "bob", "--write")
    assert shared == {"shared": "/team", "username": "bob", "rights": "write", "verified": False}
    link = answer(alice, "export", "/team", "--expires", "1d")
    assert str(link["url"]).startswith("http") and "#" in str(link["url"])
    assert answer(alice, "export", "--delete", "/team") == {"revoked": 1}
    drop = answer(alice, "request", "create", "/team")
    assert "#" in str(drop["url"])
    assert answer(alice, "request", "accept") == {"accepted": [], "refused": []}
    assert answer(alice, "unshare", "/team", "bob") == {"unshared": "/team", "username": "bob"}
    assert answer(alice, "contacts", "remove", "bob") == {"removed": "bob"}
