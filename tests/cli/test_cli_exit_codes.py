# SPDX-License-Identifier: AGPL-3.0-or-later
"""docs/cli.md's table of exit codes, each triggered through the real CLI against a real server:
the code, and words a person can act on (cli/exits.py is the one source of both)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from sealbox.client.cli import exits
from sealbox.client.cli.exits import OUTCOMES, Exit, Outcome
from sealbox.protocol import routes
from sealbox.protocol.models import b64encode
from sealbox.testing.server_process import ServerProcess

from .conftest import Cli, flip_a_bit_in_the_largest_blob
from .test_cli_compliance import admin, notice

NOWHERE = "http://127.0.0.1:9"  # nothing listens there: refused at once
LINK_PASSWORD = "correct horse battery staple, but longer"


def _anon(cli: Cli, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A visitor with no account: the server comes from the link."""
    return cli(*args, check=False, SEALBOX_SERVER=NOWHERE, SEALBOX_PASSWORD="", **env)


def _expect(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert (result.returncode, words in result.stderr) == (code, True), (result.args, result.stderr)


def _swap_char(text: str, at: int) -> str:
    return text[:at] + ("B" if text[at] == "A" else "A") + text[at + 1 :]


def _wrong_links(url: str, protected: str) -> list[str]:
    """Links as people mistype them: cut short, a character that is not base64url, one wrong
    character (a well-formed key that opens nothing), a password link damaged after its
    commitment (the right password, a link key that does not open)."""
    base, _, key = url.partition("#")
    p_base, _, p_key = protected.partition("#")
    return [
        url[:-5],
        f"{base}#{key[:10]}!{key[11:]}",
        f"{base}#{_swap_char(key, 5)}",
        f"{p_base}#{p_key[:60]}",
        f"{p_base}#{_swap_char(p_key, 150)}",
    ]


def test_link_mistakes_are_usage_errors_and_tampering_stays_integrity(
    alice: Cli, server: ServerProcess, tmp_path: Path, stack: str, request: pytest.FixtureRequest
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(5 * 1024 * 1024 + 1))
    alice("put", str(big), "/big.bin")
    url = alice("export", "/big.bin").stdout.strip()
    protected = alice(
        "export", "/big.bin", "--password", SEALBOX_LINK_PASSWORD=LINK_PASSWORD
    ).stdout.strip()
    guest = Cli(server, tmp_path / "guest")
    out = tmp_path / "out.bin"
    for wrong in _wrong_links(url, protected):
        for command in (["get", wrong, str(out)], ["ls", wrong]):
            result = _anon(guest, *command, SEALBOX_LINK_PASSWORD=LINK_PASSWORD)
            _expect(result, Exit.USAGE, exits.WRONG_LINK)
            assert "tamper" not in result.stderr and "integrity" not in result.stderr
    assert not out.exists()
    # A well-formed key that opens the link: a later failure is the server's, and says so.
    flip_a_bit_in_the_largest_blob(alice, stack, request)
    _expect(_anon(guest, "get", url, str(out)), Exit.INTEGRITY, exits.TAMPERED)
    assert not out.exists()


def _silent_listener() -> socket.socket:
    """A server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    return listener


def _interrupted(cli: Cli) -> subprocess.CompletedProcess[str]:
    """Ctrl-C while a command waits for a server that never answers."""
    with _silent_listener() as listener:
        where = f"http://127.0.0.1:{listener.getsockname()[1]}"
        process = subprocess.Popen(
            cli.command("--server", where, "login", "someone"), env=cli.env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        listener.settimeout(60)
        connection, _ = listener.accept()  # the command is now waiting for an answer
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        connection.close()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _throttle(server: ServerProcess) -> None:
    """Ten wrong logins from this address, sent directly (each through the CLI would cost a
    process and an Argon2id)."""
    wrong = {"username": "alice", "auth_key": b64encode(bytes(32))}
    for _ in range(10):
        answer = httpx.post(f"{server.url}{routes.SESSIONS}", json=wrong, timeout=30)
        assert answer.status_code in (401, 429)


def _row(phrase: str) -> Outcome:
    """The one row of docs/cli.md's table whose situation says ``phrase``."""
    (found,) = [row for row in OUTCOMES if phrase in row.situation]
    return found


# Rows triggered by other tests, which set up more than this one can afford to.
ELSEWHERE = {
    _row("does not verify"): "test_link_mistakes_are_usage_errors_and_tampering_stays_integrity "
    "(above), and tests/hostile",
    _row("two items that share a name"): "test_cli_duplicate_names.py::"
    "test_a_member_cannot_shadow_the_owners_file",
    _row("`check`: LOCAL and REMOTE differ"): "test_cli_incremental.py::"
    "test_check_reports_differences_by_content",
    _row("suspended or closed account"): "test_cli_takedown_removals.py::"
    "test_a_suspended_account_is_told_what_it_can_still_do",
    # A fresh upload always has a new content id, so the CLI cannot store removed content again;
    # the server's refusal is tested in tests/server/test_compliance_scopes.py.
    _row("storing content that a takedown removed"): "tests/server/test_compliance_scopes.py",
}


def test_every_exit_code_of_the_table(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    seen: set[Outcome] = set()

    def expect(result: subprocess.CompletedProcess[str], row: Outcome, words: str) -> None:
        _expect(result, row.code, words)
        seen.add(row)

    expect(alice("whoami", check=False), _row("success"), "")
    alice("mkdir", "/team")
    alice("put", str(_file(tmp_path, "a.txt")), "/a.txt")
    expect(alice("cat", "/team", check=False), _row("no code of its own"), "not a file: /team")
    # A local failure names the path given, never the hidden partial file written first.
    (tmp_path / "afile").write_text("in the way")
    local = tmp_path / "afile" / "a.txt"
    failed = alice("get", "/a.txt", str(local), check=False)
    expect(failed, _row("local file or folder"), f"{local}: not a directory")
    assert ".sealbox-" not in failed.stderr and "Errno" not in failed.stderr
    # One item of many cannot be written (a folder is in its way): named, the rest is written.
    alice("put", str(_file(tmp_path, "b.txt")), "/team/b.txt")
    alice("put", str(_file(tmp_path, "c.txt")), "/team/c.txt")
    (tmp_path / "down" / "team" / "b.txt" / "inside").mkdir(parents=True)
    some = alice("get", "/team", str(tmp_path / "down"), check=False)
    expect(some, _row("some could not be read"), "1 item(s) failed")
    assert "sealbox: failed: /team/b.txt" in some.stderr, some.stderr
    assert (tmp_path / "down" / "team" / "c.txt").read_text() == "c.txt"
    expect(alice("put", "/a.txt", check=False), _row("wrong arguments"), "at least one LOCAL path")
    url = alice("export", "/a.txt").stdout.strip()
    guest = Cli(server, tmp_path / "guest")
    expect(_anon(guest, "get", url[:-5], str(tmp_path / "x")), _row("mistyped link"),
           exits.WRONG_LINK)  # fmt: skip
    protected = alice(
        "export", "/a.txt", "--password", SEALBOX_LINK_PASSWORD=LINK_PASSWORD
    ).stdout.strip()
    expect(_anon(guest, "get", protected, str(tmp_path / "x"), SEALBOX_LINK_PASSWORD="wrong"),
           _row("password link"), exits.WRONG_LINK_PASSWORD)  # fmt: skip
    drop = alice("request", "create", "/team").stdout.strip()
    expect(_anon(guest, "ls", drop), _row("drop link"), exits.DROP_LINK_ONLY_UPLOADS)
    expect(alice("put", str(_file(tmp_path, "d.txt")), url, check=False), _row("drop link"),
           exits.LINK_ONLY_DOWNLOADS)  # fmt: skip
    expect(alice("ls", "/nowhere", check=False), _row("no such file"), "no such")
    expect(alice("mkdir", "/team", check=False), _row("exists already"), "exists")
    expect(alice("import", url, "/a.txt", check=False), _row("exists already"),
           "already exists: /a.txt")  # fmt: skip
    nobody = Cli(server, tmp_path / "nobody")
    expect(nobody("ls", check=False), _row("not logged in"), "not logged in")
    expect(
        alice("login", "alice", check=False, SEALBOX_PASSWORD="wrong"),
        _row("wrong username or password"), exits.WRONG_CREDENTIALS,
    )  # fmt: skip
    other_device = Cli(server, tmp_path / "alice-laptop")
    other_device("login", "alice")
    alice("sessions", "revoke", "--others")
    expect(other_device("ls", check=False), _row("ended elsewhere"), exits.SESSION_ENDED)
    expect(alice("--server", NOWHERE, "login", "alice", check=False), _row("cannot be reached"),
           "cannot reach the server")  # fmt: skip
    alice("contacts", "invite", "bob")
    bob("contacts", "accept", "alice")
    alice("share", "/team", "bob", "--read")
    for command in (["put", str(_file(tmp_path, "e.txt")), "team"], ["rm", "team/b.txt"]):
        expect(bob("shared", *command, check=False), _row("read-only"), "team is shared with you "
               "read-only")  # fmt: skip
    expect(_interrupted(alice), _row("Ctrl-C"), exits.INTERRUPTED)
    admin(server, "operators", "add", "olga")
    case = httpx.post(f"{server.url}{routes.NOTICES}", json=notice(url), timeout=30).json()
    admin(server, "cases", "act", "--operator", "olga", "--", case["notice_id"])
    expect(_anon(nobody, "get", url, str(tmp_path / "got.txt")), _row("the operator removed it"),
           "this link was removed by the operator after a copyright notice (decision ")  # fmt: skip
    _throttle(server)  # last: from here on, every login from this address is refused a while
    throttled = alice("login", "alice", check=False)
    expect(throttled, _row("too many failed logins"), "too many attempts: wait ")
    assert "seconds, then try again" in throttled.stderr
    assert seen.isdisjoint(ELSEWHERE)
    missing = [row.situation for row in OUTCOMES if row not in seen and row not in ELSEWHERE]
    assert missing == [], "rows of the table no test triggers"
    every = {code for name, code in vars(Exit).items() if name.isupper()}
    assert {row.code for row in OUTCOMES} == every


def _file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(name)
    return path
