# SPDX-License-Identifier: AGPL-3.0-or-later
"""The abuse-report inspector end to end (issue 16): a generated image, re-encoded and resized,
uploaded and linked through the real CLI and reported with its link key, matches a synthetic PDQ
hash set; the inspector runs as its own process with no database connection, and the decrypted
bytes never touch its temporary directory or the server's blob store."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy
import pytest
from PIL import Image

from sealbox.inspector.hashing import pdq_of_image
from sealbox.protocol.models import b64decode
from sealbox.testing.server_process import ServerProcess

from .conftest import Cli
from .test_cli_compliance import admin

# Runs the inspector, then reports what it holds: database drivers loaded, database files open.
INSPECT = """
import json, os, sys
from sealbox.inspector.__main__ import main
code = main(sys.argv[1:])
drivers = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "psycopg"))
fds = []
for fd in os.listdir("/proc/self/fd"):
    try:
        fds.append(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:  # the listing's own descriptor, closed by now
        pass
files = sorted(f for f in fds if f.endswith((".db", "-wal", "-shm")))
print(json.dumps({"code": code, "drivers": drivers, "database_files": files}))
"""


def picture(seed: int) -> Image.Image:
    """A procedural image with structure PDQ can see (blocks and gradients), never a real one."""
    rng = numpy.random.default_rng(seed)
    blocks = rng.integers(0, 256, size=(8, 8, 3), dtype=numpy.uint8)
    image = Image.fromarray(blocks).resize((512, 512), Image.Resampling.BICUBIC)
    ramp = numpy.linspace(0, 60, 512, dtype=numpy.uint8)[None, :, None]
    return Image.fromarray(numpy.clip(numpy.asarray(image) + ramp, 0, 255).astype(numpy.uint8))


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "server-data")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def report(server: ServerProcess, url: str) -> str:
    body = {"category": "csam", "url": url, "description": "reported"}
    reply = httpx.post(f"{server.url}/v1/abuse-reports", json=body, timeout=30)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["report_id"])


def test_a_resized_reencoded_image_matches_and_nothing_touches_disk(
    embedded: ServerProcess, tmp_path: Path
) -> None:
    alice = Cli(embedded, tmp_path / "alice-home")
    alice("signup", "alice")
    banked = picture(7)
    original = pdq_of_image(encoded(banked, "PNG"))
    assert original is not None
    hash_set = tmp_path / "synthetic.json"
    hash_set.write_text(json.dumps({"label": "TEST_CATEGORY", "entries": [
        {"type": "pdq", "hash": original[0]}, {"type": "sha256", "hash": "0" * 64}]}))  # fmt: skip
    variant = encoded(banked.resize((256, 256)), "JPEG", quality=70)
    unrelated = encoded(picture(99), "PNG")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "variant.jpg").write_bytes(variant)
    (uploads / "other.png").write_bytes(unrelated)
    alice("put", str(uploads / "variant.jpg"), "/")
    alice("put", str(uploads / "other.png"), "/")
    matching = report(embedded, alice("export", "/variant.jpg").stdout.strip())
    innocent = report(embedded, alice("export", "/other.png").stdout.strip())

    token = admin(embedded, "operators", "add", "scanner", "--role", "inspector")
    scratch = tmp_path / "inspector-tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEALBOX_")}
    env.update(SEALBOX_INSPECTOR_TOKEN=token, TMPDIR=str(scratch))
    done = subprocess.run(
        [sys.executable, "-c", INSPECT, "--server", embedded.url, "--hash-set", str(hash_set),
         "--once"],
        capture_output=True, text=True, timeout=300, env=env, cwd=scratch, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary == {"code": 0, "drivers": [], "database_files": []}
    assert sorted(lines[:-1]) == sorted([f"report {bytes_hex(matching)}: match: TEST_CATEGORY",
                                         f"report {bytes_hex(innocent)}: no match"])  # fmt: skip
    assert list(scratch.iterdir()) == []
    for path in (embedded.data_dir).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert variant[200:264] not in data and unrelated[200:264] not in data, path

    upheld = json.loads(admin(embedded, "cases", "show", "--json", "--", matching))
    assert upheld["state"] == "upheld"
    assert upheld["decision"]["automated_detection"] == "Yes"
    waiting = json.loads(admin(embedded, "cases", "show", "--json", "--", innocent))
    assert waiting["state"] == "received"  # no match: a person reviews it
    # The uploader's account is closed: it can still sign in, read and appeal, nothing else.
    refused = alice("export", "/other.png", check=False)
    assert refused.returncode != 0 and "this account is closed" in refused.stderr
    assert "other.png" in alice("ls", "/", check=False).stdout


def bytes_hex(b64: str) -> str:
    return b64decode(b64).hex()
