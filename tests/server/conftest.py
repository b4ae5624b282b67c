# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures for the server tests: every app-level test runs on two stacks, SQLite with the
filesystem blob store and PostgreSQL with the S3 blob store on a real Ceph radosgw.

PostgreSQL runs as a throw-away cluster per xdist worker (tests/conftest.py), started from the
installed binaries. The
PostgreSQL variants are skipped only when no binaries exist (scripts/system-deps installs them, and
CI runs it, so CI always runs both).
"""

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from sealbox.crypto.notes import NoteSigner
from sealbox.server.app import build_services, create_app
from sealbox.server.blobs.base import BlobStore
from sealbox.server.blobs.filesystem import FilesystemBlobStore
from sealbox.server.blobs.keys import chunk_key
from sealbox.server.blobs.s3 import S3BlobStore, S3Settings
from sealbox.server.db.engine import make_engine, read_only, sqlite_url
from sealbox.server.db.inline_chunks import inline_chunks
from sealbox.server.db.migrate import upgrade
from sealbox.server.db.schema import metadata
from sealbox.server.services.registry import Services
from sealbox.server.settings import Settings
from sealbox.testing.http_api import RawApi
from sealbox.testing.postgres import PostgresCluster
from tests.conftest import S3Blobs

SECRET = bytes(range(32))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(scope="session")
def pg_url(pg_cluster: PostgresCluster | None) -> str | None:
    if pg_cluster is None:
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = pg_cluster.create_database(f"sealbox_{worker}")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "sealbox.db"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "sealbox.db"
        shutil.copy(sqlite_template, path)
        yield sqlite_url(path)
        return
    url = request.getfixturevalue("pg_url")
    if url is None:
        message = "no PostgreSQL server binaries installed (run scripts/system-deps)"
        if os.environ.get("SEALBOX_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    engine = make_engine(url)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()
    yield url


@dataclass
class Server:
    services: Services
    client: httpx.AsyncClient
    api: RawApi
    clock: FakeClock
    data_dir: Path
    app: Any = None  # the ASGI app, for tests that serve it over a real socket


def make_settings(tmp_path: Path, db_url: str, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", db_url=db_url, secret=SECRET, **extra)  # type: ignore[arg-type]


@pytest.fixture
def settings_extra() -> dict[str, object]:
    """Tests override this to change server settings."""
    return {}


def s3_store(blobs: S3Blobs, endpoint: str | None = None) -> S3BlobStore:
    return S3BlobStore(
        S3Settings(
            bucket=blobs.bucket,
            prefix=blobs.prefix,
            endpoint=endpoint or blobs.cluster.endpoint,
            access_key_id=blobs.cluster.access_key,
            secret_access_key=blobs.cluster.secret_key,
            connect_timeout=1.0,
            read_timeout=5.0,
            operation_timeout=10.0,
            max_attempts=2,
        )
    )


@pytest.fixture
async def server(
    tmp_path: Path, db_url: str, settings_extra: dict[str, object], request: pytest.FixtureRequest
) -> AsyncIterator[Server]:
    clock = FakeClock()
    settings = make_settings(tmp_path, db_url, **settings_extra)
    # The two stacks of the acceptance criteria: SQLite with the filesystem store, PostgreSQL with
    # a real S3 store (Ceph radosgw; a fresh prefix per test).
    blobs: BlobStore
    if db_url.startswith("sqlite"):
        blobs = FilesystemBlobStore(tmp_path / "data" / "blobs")
    else:
        blobs = s3_store(request.getfixturevalue("s3_blobs"))
    services = build_services(settings, clock=clock, blobs=blobs, log_signer=NoteSigner)
    app = create_app(services, background_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 51234))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://sealbox.test",
            headers={"User-Agent": "SealboxTestAgent/9.9"},
        ) as client:
            yield Server(services, client, RawApi(client), clock, tmp_path / "data", app)


async def stored_chunks(server: Server, prefix: str = "chunks/") -> list[str]:
    """The keys of every chunk the server stores, sorted: in the blob store, and (inline contents)
    in the database, named as the blob store would name them."""
    with read_only(server.services.engine) as conn:
        inline = conn.execute(select(inline_chunks.c.content_id)).scalars().all()
    keys = [chunk_key(content_id, 0) for content_id in inline]
    keys += [b.key async for b in server.services.blobs.list(prefix)]
    return sorted(k for k in keys if k.startswith(prefix))
