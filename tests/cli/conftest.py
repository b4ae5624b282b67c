# SPDX-License-Identifier: AGPL-3.0-or-later
"""End-to-end fixtures: a real `sealbox server` process and the real `sealbox` CLI in subprocesses,
driven the way a script would (passwords from the environment, standard input closed).

Every test runs twice: on the embedded stack (SQLite + filesystem blobs) and on the scale-out stack
(PostgreSQL + Ceph radosgw S3: a fresh database and a fresh bucket prefix per test)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sealbox.testing.server_process import ServerProcess
from tests.conftest import S3Blobs, raw_client


@dataclass
class Cli:
    server: ServerProcess
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "SEALBOX_SERVER": self.server.url,
            "SEALBOX_HOME": str(self.home),
            "SEALBOX_PASSWORD": "a long and correct password",
            # The floor of the KDF: the real Argon2id, at the cheapest setting clients accept.
            "SEALBOX_KDF_OPSLIMIT": "2",
            "SEALBOX_KDF_MEMLIMIT_MIB": "64",
            **extra,
        }

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "sealbox", *args]

    def __call__(
        self, *args: str, check: bool = True, **env: str
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            env=self.env(**env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"sealbox {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
            )
        return result

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.command(*args),
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def token(self) -> str:
        return str(json.loads((self.home / "session.json").read_text())["token"])

    def journals(self, prefix: str) -> dict[str, dict[str, object]]:
        db = sqlite3.connect(self.home / "state.db")
        try:
            rows = db.execute("SELECT key, body FROM journal WHERE key LIKE ?", (prefix + "%",))
            return {key: json.loads(body) for key, body in rows}
        finally:
            db.close()


def metric(server: ServerProcess, name: str) -> float:
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    match = re.search(rf"^{name}_total (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


EMBEDDED = "embedded"
SCALE_OUT = "postgresql+s3"


def flip_a_bit_in_the_largest_blob(alice: Cli, stack: str, request: pytest.FixtureRequest) -> None:
    """What a hostile or broken store does: one bit of a stored full 4 MiB chunk changes."""
    if stack == EMBEDDED:
        blobs = [p for p in (alice.server.data_dir / "blobs").rglob("*") if p.is_file()]
        target = max(blobs, key=lambda p: p.stat().st_size)
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        target.write_bytes(bytes(raw))
        return
    s3: S3Blobs = request.getfixturevalue("s3_blobs")
    client = raw_client(s3.cluster)
    listed = client.list_objects_v2(Bucket=s3.bucket, Prefix=s3.prefix)["Contents"]
    key = max(listed, key=lambda item: item["Size"])["Key"]
    raw = bytearray(client.get_object(Bucket=s3.bucket, Key=key)["Body"].read())
    raw[len(raw) // 2] ^= 0x01
    client.put_object(Bucket=s3.bucket, Key=key, Body=bytes(raw))


@pytest.fixture(params=[EMBEDDED, SCALE_OUT])
def stack(request: pytest.FixtureRequest) -> str:
    """The two deployments every CLI test runs on: SQLite + filesystem, PostgreSQL + Ceph S3."""
    return str(request.param)


@pytest.fixture
def server(stack: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    if stack == EMBEDDED:
        process = ServerProcess(tmp_path / "server-data")
    else:
        s3: S3Blobs = request.getfixturevalue("s3_blobs")
        db_url: str = request.getfixturevalue("pg_database")
        process = ServerProcess(tmp_path / "server-data", db_url, "--blobs", s3.url, env=s3.env)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def alice(server: ServerProcess, tmp_path: Path) -> Cli:
    cli = Cli(server, tmp_path / "alice-home")
    cli("signup", "alice")
    return cli


@pytest.fixture
def bob(server: ServerProcess, tmp_path: Path) -> Cli:
    cli = Cli(server, tmp_path / "bob-home")
    cli("signup", "bob")
    return cli
