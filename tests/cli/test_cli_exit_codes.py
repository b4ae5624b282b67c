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
from sealbox.client.cli.exits import OUTCOMES, Exit
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


def test_every_exit_code_of_the_table(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    seen: set[int] = set()

    def expect(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
        _expect(result, code, words)
        seen.add(code)

    expect(alice("whoami", check=False), Exit.OK, "")
    alice("mkdir", "/team")
    alice("put", str(_file(tmp_path, "a.txt")), "/a.txt")
    expect(alice("cat", "/team", check=False), Exit.ERROR, "not a file: /team")
    # A local failure names the path given, never the hidden partial file written first.
    (tmp_path / "afile").write_text("in the way")
    local = tmp_path / "afile" / "a.txt"
    failed = alice("get", "/a.txt", str(local), check=False)
    expect(failed, Exit.ERROR, f"{local}: not a directory")
    assert ".sealbox-" not in failed.stderr and "Errno" not in failed.stderr
    expect(alice("put", "/a.txt", check=False), Exit.USAGE, "at least one LOCAL path")
    expect(alice("ls", "/nowhere", check=False), Exit.NOT_FOUND, "no such")
    expect(alice("mkdir", "/team", check=False), Exit.CONFLICT, "exists")
    url = alice("export", "/a.txt").stdout.strip()
    expect(alice("import", url, "/a.txt", check=False), Exit.CONFLICT, "already exists: /a.txt")
    nobody = Cli(server, tmp_path / "nobody")
    expect(nobody("ls", check=False), Exit.AUTH, "not logged in")
    expect(
        alice("login", "alice", check=False, SEALBOX_PASSWORD="wrong"),
        Exit.AUTH, exits.WRONG_CREDENTIALS,
    )  # fmt: skip
    other_device = Cli(server, tmp_path / "alice-laptop")
    other_device("login", "alice")
    alice("sessions", "revoke", "--others")
    expect(other_device("ls", check=False), Exit.AUTH, exits.SESSION_ENDED)
    expect(alice("--server", NOWHERE, "login", "alice", check=False), Exit.UNAVAILABLE,
           "cannot reach the server")  # fmt: skip
    alice("contacts", "invite", "bob")
    bob("contacts", "accept", "alice")
    alice("share", "/team", "bob", "--read")
    for command in (["put", str(_file(tmp_path, "b.txt")), "team"], ["rm", "team/x"]):
        expect(bob("shared", *command, check=False), Exit.DENIED, "team is shared with you "
               "read-only")  # fmt: skip
    expect(_interrupted(alice), Exit.INTERRUPTED, exits.INTERRUPTED)
    admin(server, "operators", "add", "olga")
    case = httpx.post(f"{server.url}{routes.NOTICES}", json=notice(url), timeout=30).json()
    admin(server, "cases", "act", "--operator", "olga", "--", case["notice_id"])
    expect(_anon(nobody, "get", url, str(tmp_path / "got.txt")), Exit.REMOVED,
           "this link was removed by the operator after a copyright notice (decision ")  # fmt: skip
    _throttle(server)  # last: from here on, every login from this address is refused a while
    throttled = alice("login", "alice", check=False)
    expect(throttled, Exit.THROTTLED, "too many attempts: wait ")
    assert "seconds, then try again" in throttled.stderr
    # Exit 3 (integrity) is triggered by the test above and throughout tests/hostile.
    every = {code for name, code in vars(Exit).items() if name.isupper()}
    assert seen | {Exit.INTEGRITY} == {row.code for row in OUTCOMES} == every


def _file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(name)
    return path
