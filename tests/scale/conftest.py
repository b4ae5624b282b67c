# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures for scale-out tests: several real `sealbox server` processes sharing one PostgreSQL
database and one Ceph S3 bucket prefix, as in the production layout of docs/deploy.md."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sealbox.testing.server_process import ServerProcess
from tests.conftest import S3Blobs


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Service:
    """One service made of several server processes; what a load balancer would sit in front of."""

    servers: list[ServerProcess]
    db_url: str
    blobs: S3Blobs


def start_all(servers: list[ServerProcess]) -> None:
    """Start the servers at the same time, as a deployment does: migrations must not race."""
    errors: list[BaseException] = []

    def start(server: ServerProcess) -> None:
        try:
            server.start(timeout=60)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@pytest.fixture
def make_service(
    tmp_path: Path, pg_database: str, s3_blobs: S3Blobs
) -> Iterator[Callable[..., Service]]:
    started: list[ServerProcess] = []
    # Every server of one service shares the secret that keys session tokens and auth hashes.
    env = {**s3_blobs.env, "SEALBOX_SERVER_SECRET": secrets.token_hex(32)}

    def make(count: int = 2, *extra: str) -> Service:
        servers = [
            ServerProcess(
                tmp_path / f"server-{i}", pg_database, "--blobs", s3_blobs.url, *extra, env=env
            )
            for i in range(count)
        ]
        started.extend(servers)
        start_all(servers)
        return Service(servers, pg_database, s3_blobs)

    try:
        yield make
    finally:
        for server in started:
            server.stop()
