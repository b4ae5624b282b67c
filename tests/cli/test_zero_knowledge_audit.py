# SPDX-License-Identifier: AGPL-3.0-or-later
"""Zero-knowledge audit: after a corpus goes up through the real CLI, nothing the server holds
(database, write-ahead log, every blob, its log) contains any secret, in any common encoding."""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

from .conftest import Cli


def encodings(secret: bytes) -> dict[str, bytes]:
    """The forms a careless server could store a secret in. For base64 the secret may sit at
    any of three alignments inside a longer value, so each alignment's stable middle is used."""
    forms = {
        "raw": secret,
        "hex": secret.hex().encode(),
        "HEX": secret.hex().upper().encode(),
        "utf-16-le": secret.decode("latin-1").encode("utf-16-le"),
        "utf-16-be": secret.decode("latin-1").encode("utf-16-be"),
    }
    for shift in range(3):
        padded = b"\x00" * shift + secret
        for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            text = encode(padded)
            forms[f"{name}@{shift}"] = text[4:-4]
    return forms


def scan(root: Path, secrets: dict[str, bytes]) -> list[str]:
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for label, secret in secrets.items():
            for form, needle in encodings(secret).items():
                if needle in data:
                    hits.append(f"{label} as {form} in {path.relative_to(root)}")
    return hits


def test_the_server_holds_nothing_readable(alice: Cli, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex
    secrets = {
        "file content": f"CONTENT-MARKER-{tag}".encode(),
        "file name": f"NAME-MARKER-{tag}".encode(),
        "folder name": f"FOLDER-MARKER-{tag}".encode(),
        "password": f"PASSWORD-MARKER-{tag}".encode(),
    }
    corpus = tmp_path / "corpus"
    folder = corpus / secrets["folder name"].decode()
    folder.mkdir(parents=True)
    (folder / secrets["file name"].decode()).write_bytes(secrets["file content"] * 100)
    (corpus / "big.bin").write_bytes(secrets["file content"] + os.urandom(6 * 1024 * 1024))
    (corpus / "small.txt").write_bytes(secrets["file content"])
    password = secrets["password"].decode()
    carol = Cli(alice.server, tmp_path / "carol")
    recovery_key = carol("signup", "carol", SEALBOX_PASSWORD=password).stdout.strip()
    secrets["recovery key"] = recovery_key.encode()
    secrets["recovery key, compact"] = recovery_key.replace("-", "").encode()
    carol("put", str(corpus), "/corpus", SEALBOX_PASSWORD=password)
    carol("mv", "/corpus/small.txt", f"/corpus/{secrets['folder name'].decode()}/moved.txt",
          SEALBOX_PASSWORD=password)  # fmt: skip
    carol("rm", "/corpus/big.bin", SEALBOX_PASSWORD=password)
    # The session and master key live on the client; the markers must not leak from there either.
    home = (carol.home / "session.json").read_text()
    assert all(s.decode() not in home for s in secrets.values())
    alice.server.stop()  # flush the log and the database's write-ahead log
    hits = scan(alice.server.data_dir, secrets) + scan_log(alice.server.log_path, secrets)
    assert hits == []
    # The scan itself can fail: the same markers are found in the client's own plaintext corpus.
    assert scan(corpus, {"file content": secrets["file content"]})


def scan_log(path: Path, secrets: dict[str, bytes]) -> list[str]:
    data = path.read_bytes()
    return [
        f"{label} as {form} in the server log"
        for label, secret in secrets.items()
        for form, needle in encodings(secret).items()
        if needle in data
    ]
