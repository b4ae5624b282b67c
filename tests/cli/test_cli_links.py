# SPDX-License-Identifier: AGPL-3.0-or-later
"""Links end to end: the real CLI for alice, bob and an anonymous visitor (no account, no session,
the server taken from the link), against a real server process."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sealbox.crypto.layout import from_b64url
from sealbox.testing.faultproxy import FaultProxy
from sealbox.testing.server_process import ServerProcess

from .conftest import Cli

NOWHERE = "http://127.0.0.1:9"  # a visitor's configured server: links must not need it
LINK_PASSWORD = "correct horse battery staple, but longer"


def visitor(server: ServerProcess, tmp_path: Path) -> Cli:
    return Cli(server, tmp_path / "anonymous-home")


def anon(cli: Cli, *args: str, check: bool = True, **env: str) -> str:
    result = cli(*args, check=check, SEALBOX_SERVER=NOWHERE, SEALBOX_PASSWORD="", **env)
    return result.stdout if check else f"{result.returncode}:{result.stderr}"


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): "dir"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
    }


def make_tree(tmp_path: Path) -> Path:
    src = tmp_path / "src" / "docs"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha\n")
    (src / "sub" / "b.bin").write_bytes(os.urandom(2 * 1024 * 1024 + 7))
    return src


def export(cli: Cli, *args: str, **env: str) -> str:
    url = cli("export", *args, **env).stdout.strip()
    assert "/l/" in url and "#" in url
    return url


def test_file_and_folder_links_work_without_an_account(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    src = make_tree(tmp_path)
    alice("put", str(src), "/")
    guest = visitor(server, tmp_path)

    file_url = export(alice, "/docs/sub/b.bin")
    assert file_url.startswith(f"{server.url}/l/") and "#k" in file_url
    out = tmp_path / "out"
    out.mkdir()
    anon(guest, "get", file_url, str(out))
    assert (out / "b.bin").read_bytes() == (src / "sub" / "b.bin").read_bytes()
    anon(guest, "get", file_url, str(out / "renamed.bin"))
    assert (out / "renamed.bin").read_bytes() == (src / "sub" / "b.bin").read_bytes()

    folder_url = export(alice, "/docs")
    assert anon(guest, "ls", folder_url).split() == ["a.txt", "sub/"]
    rows = json.loads(anon(guest, "ls", "-R", "--json", folder_url))
    assert {r["path"] for r in rows} == {"/a.txt", "/sub", "/sub/b.bin"}
    anon(guest, "get", folder_url, str(out))
    assert digest(out / "docs") == digest(src)
    assert not (guest.home / "session.json").exists()

    listed = json.loads(alice("export", "--list", "--json").stdout)
    assert sorted((r["path"], r["downloads"]) for r in listed) == [
        ("/docs", 3),  # each ls or get opens the link once
        ("/docs/sub/b.bin", 2),
    ]


def test_password_expiry_limit_and_revocation(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    src = make_tree(tmp_path)
    alice("put", str(src / "a.txt"), "/a.txt")
    guest = visitor(server, tmp_path)
    out = tmp_path / "out"
    out.mkdir()

    protected = export(alice, "/a.txt", "--password", SEALBOX_LINK_PASSWORD=LINK_PASSWORD)
    assert "#p" in protected
    wrong = anon(guest, "get", protected, str(out), check=False, SEALBOX_LINK_PASSWORD="guess")
    assert wrong.startswith("6:") and "wrong password" in wrong
    opened = json.loads(alice("export", "--list", "--json").stdout)
    assert opened[0]["downloads"] == 0  # the wrong password never reached the server
    no_password = anon(guest, "get", protected, str(out), check=False)
    assert no_password.startswith("2:") and "SEALBOX_LINK_PASSWORD" in no_password
    anon(guest, "get", protected, str(out), SEALBOX_LINK_PASSWORD=LINK_PASSWORD)
    assert (out / "a.txt").read_text() == "alpha\n"

    # Long enough for a loaded machine to open it once before it expires.
    started = time.monotonic()
    expiring = export(alice, "/a.txt", "--expires", "15s")
    anon(guest, "ls", expiring)
    time.sleep(max(0.0, started + 16 - time.monotonic()))
    expired = anon(guest, "get", expiring, str(out / "x"), check=False)
    assert expired.startswith("4:") and "expired" in expired

    limited = export(alice, "/a.txt", "--max-downloads", "1")
    anon(guest, "get", limited, str(out / "once.txt"))
    again = anon(guest, "get", limited, str(out / "twice.txt"), check=False)
    assert again.startswith("4:") and "download limit" in again
    assert not (out / "twice.txt").exists()

    revoked = export(alice, "/a.txt")
    anon(guest, "ls", revoked)
    alice("export", "--delete", revoked)
    gone = anon(guest, "get", revoked, str(out / "y"), check=False)
    assert gone.startswith("4:")
    by_path = export(alice, "/a.txt")
    alice("export", "--delete", "/a.txt")
    assert anon(guest, "ls", by_path, check=False).startswith("4:")
    bad = alice("export", "/a.txt", "--expires", "soon", check=False)
    assert bad.returncode == 2


def test_import_survives_the_original_being_deleted(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    src = make_tree(tmp_path)
    alice("put", str(src), "/")
    url = export(alice, "/docs")
    bob("mkdir", "/from-alice")
    bob("import", url, "/from-alice")
    file_url = export(alice, "/docs/a.txt")
    bob("import", file_url, "/alpha.txt")
    used = json.loads(bob("df", "--json").stdout)["used"]
    assert used > (src / "sub" / "b.bin").stat().st_size
    alice("rm", "--permanent", "/docs")
    guest = visitor(server, tmp_path)
    assert anon(guest, "ls", url, check=False).startswith("4:")
    out = tmp_path / "bob-out"
    bob("get", "/from-alice/docs", str(out))
    assert digest(out) == digest(src)
    bob("get", "/alpha.txt", str(tmp_path / "alpha.txt"))
    assert (tmp_path / "alpha.txt").read_text() == "alpha\n"


@contextmanager
def recording_proxy(server: ServerProcess) -> Iterator[FaultProxy]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    proxy = FaultProxy("127.0.0.1", server.port, record=True)
    asyncio.run_coroutine_threadsafe(proxy.start(), loop).result(10)
    try:
        yield proxy
    finally:
        asyncio.run_coroutine_threadsafe(proxy.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def encodings(secret: bytes) -> set[bytes]:
    forms = {secret, secret.hex().encode(), secret.hex().upper().encode()}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        text = encode(secret)
        forms |= {text, text.rstrip(b"=")}
    forms.add(urllib.parse.quote(secret, safe="").encode())
    return forms


def test_no_request_ever_carries_a_link_key_or_password(
    server: ServerProcess, tmp_path: Path
) -> None:
    with recording_proxy(server) as proxy:
        alice = Cli(server, tmp_path / "alice-home")
        proxied = {"SEALBOX_SERVER": proxy.endpoint}
        recovery_key = alice("signup", "alice", **proxied).stdout.strip().splitlines()[-1]
        src = make_tree(tmp_path)
        alice("put", str(src), "/", **proxied)
        plain = export(alice, "/docs", **proxied)
        protected = export(
            alice, "/docs/sub/b.bin", "--password", SEALBOX_LINK_PASSWORD=LINK_PASSWORD, **proxied
        )
        assert plain.startswith(proxy.endpoint) and protected.startswith(proxy.endpoint)
        guest = visitor(server, tmp_path)
        out = tmp_path / "out"
        out.mkdir()
        anon(guest, "ls", "-R", plain)
        anon(guest, "get", plain, str(out))
        anon(guest, "get", protected, str(out), SEALBOX_LINK_PASSWORD=LINK_PASSWORD)
        anon(guest, "get", protected, str(out), check=False, SEALBOX_LINK_PASSWORD="wrong one")
        bob = Cli(server, tmp_path / "bob-home")
        bob("signup", "bob", **proxied)
        bob("import", plain, "/", **proxied)
        bob("import", protected, "/b.bin", SEALBOX_LINK_PASSWORD=LINK_PASSWORD, **proxied)
        alice("export", "--list", **proxied)
        alice("export", "--delete", plain, **proxied)
        sent = bytes(proxy.sent)
    assert len(proxy.requests) > 20 and b"/v1/links/" in sent
    # The scan sees what was sent: the link ids travel (in paths), the keys do not.
    for url in (plain, protected):
        assert url.split("/l/", 1)[1].split("#")[0].encode() in sent

    secrets: dict[str, bytes] = {
        "account password": b"a long and correct password",
        "link password": LINK_PASSWORD.encode(),
        "recovery key": recovery_key.encode(),
    }
    for name, url in (("plain", plain), ("password", protected)):
        fragment = url.split("#", 1)[1]
        secrets[f"{name} fragment"] = fragment.encode()
        secrets[f"{name} fragment body"] = from_b64url(fragment[1:])
    leaks = [name for name, secret in secrets.items() for form in encodings(secret) if form in sent]
    assert leaks == []
