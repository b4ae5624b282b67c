# SPDX-License-Identifier: AGPL-3.0-or-later
"""Direct transfers through the real CLI and a real server process on PostgreSQL + Ceph
(spec/http-api.md §6.6): the operator turns them on with ``public_endpoint``; a person can refuse
them with ``SEALBOX_DIRECT=0``."""

from __future__ import annotations

import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealbox.crypto import content
from sealbox.testing.server_process import ServerProcess
from tests.conftest import S3Blobs

from .conftest import Cli


@pytest.fixture
def direct_server(tmp_path: Path, s3_blobs: S3Blobs, pg_database: str) -> Iterator[ServerProcess]:
    blobs = f"{s3_blobs.url}&public_endpoint={s3_blobs.cluster.endpoint}"
    process = ServerProcess(
        tmp_path / "server-data", pg_database, "--blobs", blobs, env=s3_blobs.env
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _chunk_bytes_received(server: ServerProcess) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    found = re.search(r"^sealbox_chunk_bytes_received_total ([\d.e+]+)$", text, re.MULTILINE)
    assert found is not None
    return float(found.group(1))


def test_put_and_get_go_to_the_store_unless_the_person_refuses(
    direct_server: ServerProcess, tmp_path: Path
) -> None:
    cli = Cli(direct_server, tmp_path / "home")
    cli("signup", "ada")
    data = os.urandom(2 * content.DEFAULT_CHUNK_SIZE + 99)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    cli("put", str(source), "/direct.bin")
    cli("get", "/direct.bin", str(tmp_path / "direct.out"))
    assert (tmp_path / "direct.out").read_bytes() == data
    assert _chunk_bytes_received(direct_server) == 0
    cli("put", str(source), "/proxied.bin", SEALBOX_DIRECT="0")
    cli("get", "/proxied.bin", str(tmp_path / "proxied.out"), SEALBOX_DIRECT="0")
    assert (tmp_path / "proxied.out").read_bytes() == data
    assert _chunk_bytes_received(direct_server) == len(data) + 3 * content.TAG_BYTES
