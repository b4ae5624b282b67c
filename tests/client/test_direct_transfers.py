# SPDX-License-Identifier: AGPL-3.0-or-later
"""Direct transfers on the Ceph stack (spec/http-api.md §6.6): chunks go between the client and
radosgw through presigned URLs, and the API server carries none of their bytes."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sealbox.client.sdk import files
from sealbox.client.sdk.account import signup
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.direct import DirectUploads
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import ApiError, SealboxError
from sealbox.client.sdk.state import LocalState
from sealbox.crypto import content
from sealbox.protocol import models as m
from sealbox.server.app import build_services, create_app
from sealbox.server.blobs.keys import chunk_key
from sealbox.server.blobs.s3 import S3BlobStore, S3Settings
from sealbox.server.services.registry import Services
from sealbox.server.settings import Settings
from sealbox.testing.ceph import free_ports
from tests.conftest import S3Blobs, raw_client

from .conftest import FAST, SERVER, World

pytestmark = pytest.mark.anyio
CHUNK = content.DEFAULT_CHUNK_SIZE
LIFETIME = 300


class Clock:
    """The server's clock: real time, which a test may move back to sign URLs that are stale."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


@dataclass
class Stack:
    http: httpx.AsyncClient
    services: Services
    blobs: S3Blobs
    clock: Clock
    tmp: Path

    async def user(self, name: str) -> Drive:
        state = LocalState(self.tmp / "homes" / name)
        session, _ = await signup(Api(self.http), state, SERVER, name, "correct horse", **FAST)
        return Drive(session)

    @property
    def proxied(self) -> tuple[float, float]:
        """Chunk bytes the API server received and content bytes it sent."""
        metrics = self.services.metrics
        return metrics.chunk_bytes_received._value.get(), metrics.content_bytes_sent._value.get()


def direct_store(blobs: S3Blobs, public: str) -> S3BlobStore:
    return S3BlobStore(
        S3Settings(
            bucket=blobs.bucket, prefix=blobs.prefix, endpoint=blobs.cluster.endpoint,
            access_key_id=blobs.cluster.access_key, secret_access_key=blobs.cluster.secret_key,
            public_endpoint=public, direct_seconds=LIFETIME, connect_timeout=2.0,
            operation_timeout=20.0, max_attempts=2,
        )
    )  # fmt: skip


async def _stack(tmp: Path, blobs: S3Blobs, public: str) -> AsyncIterator[Stack]:
    clock = Clock()
    settings = Settings(data_dir=tmp / "server", secret=bytes(range(32)))
    services = build_services(settings, clock=clock, blobs=direct_store(blobs, public))
    app = create_app(services, background_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SERVER) as http:
            yield Stack(http, services, blobs, clock, tmp)


@pytest.fixture
async def stack(tmp_path: Path, s3_blobs: S3Blobs) -> AsyncIterator[Stack]:
    async for made in _stack(tmp_path, s3_blobs, s3_blobs.cluster.endpoint):
        yield made


@pytest.fixture
async def unreachable(tmp_path: Path, s3_blobs: S3Blobs) -> AsyncIterator[Stack]:
    """The store's public endpoint is a port nothing listens on: clients cannot reach it."""
    async for made in _stack(tmp_path, s3_blobs, f"http://127.0.0.1:{free_ports(1)[0]}"):
        yield made


async def _put_and_get(drive: Drive, tmp: Path, data: bytes) -> bytes:
    source = tmp / "big.bin"
    source.write_bytes(data)
    await files.put(drive, [source], "/big.bin", files.Reporter())
    out = tmp / "out.bin"
    await files.get(drive, ["/big.bin"], out, files.Reporter())
    return out.read_bytes()


async def test_round_trip_moves_no_chunk_bytes_through_the_api_server(
    stack: Stack, tmp_path: Path
) -> None:
    drive = await stack.user("ada")
    data = os.urandom(3 * CHUNK + 4321)
    assert await _put_and_get(drive, tmp_path, data) == data
    # Every chunk went to radosgw and came back from it directly: the API server sent the
    # object's header only, whose answer offers direct transfers.
    assert stack.proxied == (0, content.HEADER_BYTES)
    chunks = [key for key in stack.blobs.keys() if "/chunks/" in key]
    assert len(chunks) == 4


async def test_a_client_that_always_proxies_sends_bytes_through_the_server(
    stack: Stack, tmp_path: Path
) -> None:
    drive = await stack.user("bea")
    drive.session.api.direct = False
    data = os.urandom(2 * CHUNK + 1)
    assert await _put_and_get(drive, tmp_path, data) == data
    received, sent = stack.proxied
    assert received == sent - content.HEADER_BYTES == len(data) + 3 * content.TAG_BYTES


async def test_unreachable_store_falls_back_to_the_server(
    unreachable: Stack, tmp_path: Path
) -> None:
    drive = await unreachable.user("cy")
    data = os.urandom(2 * CHUNK + 7)
    assert await _put_and_get(drive, tmp_path, data) == data
    received, sent = unreachable.proxied
    assert received == len(data) + 3 * content.TAG_BYTES
    assert sent >= received


async def _open(api: Api, chunks: int = 2) -> tuple[bytes, m.UploadView]:
    content_id = os.urandom(16)
    view = await api.open_upload(
        m.UploadOpenRequest(
            content_id=content_id, header=b"h" * content.HEADER_BYTES, chunk_size=CHUNK,
            chunk_count=chunks, total_size=content.HEADER_BYTES + CHUNK + 16 + 100,
        )
    )  # fmt: skip
    assert view.direct
    return content_id, view


async def test_an_expired_url_is_refused_by_the_store(stack: Stack) -> None:
    api = (await stack.user("dee")).session.api
    content_id, _ = await _open(api)
    stack.clock.offset = -(LIFETIME + 120)
    stale = (await api.direct_puts(content_id, [1])).chunks[0]
    async with httpx.AsyncClient() as store:
        body = os.urandom(stale.size)
        put = await store.put(stale.url, content=body, headers={"If-None-Match": "*"})
        assert put.status_code == 403
        stack.clock.offset = 0
        fresh = (await api.direct_puts(content_id, [1])).chunks[0]
        put = await store.put(fresh.url, content=body, headers={"If-None-Match": "*"})
        assert put.status_code == 200
    assert (await api.confirm_stored(content_id, [1])).present == [1]


async def test_a_wrong_size_is_refused_at_put_and_at_confirmation(stack: Stack) -> None:
    api = (await stack.user("eve")).session.api
    content_id, _ = await _open(api)
    url = (await api.direct_puts(content_id, [1])).chunks[0]
    assert url.size == 100
    async with httpx.AsyncClient() as store:
        put = await store.put(url.url, content=b"x" * 101, headers={"If-None-Match": "*"})
        assert put.status_code == 403  # the length is signed into the URL
    assert (await api.confirm_stored(content_id, [1])).present == []
    # Whatever put a blob of the wrong length under the key, it is not recorded, and is deleted.
    key = stack.blobs.prefix + chunk_key(content_id, 1)
    raw_client(stack.blobs.cluster).put_object(Bucket=stack.blobs.bucket, Key=key, Body=b"y" * 99)
    with pytest.raises(ApiError) as refused:
        await api.confirm_stored(content_id, [1])
    assert refused.value.code == "wrong_length"
    assert key not in stack.blobs.keys()
    assert (await api.upload_state(content_id)).present == []


async def test_a_replayed_url_cannot_change_a_stored_chunk(stack: Stack) -> None:
    api = (await stack.user("fay")).session.api
    content_id, _ = await _open(api)
    urls = {url.index: url for url in (await api.direct_puts(content_id, [0, 1])).chunks}
    first = os.urandom(urls[1].size)
    async with httpx.AsyncClient() as store:
        put = await store.put(urls[1].url, content=first, headers={"If-None-Match": "*"})
        assert put.status_code == 200
        assert (await api.confirm_stored(content_id, [1])).present == [1]
        # The same URL again, with other bytes of the right length: the store keeps the first.
        again = await store.put(
            urls[1].url, content=os.urandom(100), headers={"If-None-Match": "*"}
        )
        assert again.status_code == 412
        # Without the signed If-None-Match the signature no longer matches.
        bare = await store.put(urls[1].url, content=os.urandom(100))
        assert bare.status_code == 403
        # Chunk 0's URL names chunk 0's key only: pointed at chunk 1 it is refused.
        moved = urls[0].url.replace(
            f"{content_id_path(content_id)}/0?", f"{content_id_path(content_id)}/1?"
        )
        assert moved != urls[0].url
        other = await store.put(moved, content=os.urandom(100), headers={"If-None-Match": "*"})
        assert other.status_code == 403
    key = stack.blobs.prefix + chunk_key(content_id, 1)
    stored = raw_client(stack.blobs.cluster).get_object(Bucket=stack.blobs.bucket, Key=key)
    assert stored["Body"].read() == first


def content_id_path(content_id: bytes) -> str:
    return chunk_key(content_id, 0).rpartition("/")[0]


async def test_a_server_without_direct_transfers_says_so(world: World) -> None:
    api = (await world.user("gil")).session.api
    content_id = os.urandom(16)
    view = await api.open_upload(
        m.UploadOpenRequest(
            content_id=content_id, header=b"h" * content.HEADER_BYTES, chunk_size=CHUNK,
            chunk_count=1, total_size=content.HEADER_BYTES + 116,
        )
    )  # fmt: skip
    assert not view.direct
    for call in (api.direct_puts(content_id, [0]), api.confirm_stored(content_id, [0])):
        with pytest.raises(ApiError) as refused:
            await call
        assert refused.value.code == "invalid_state"


async def test_an_interrupted_direct_upload_resumes(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drive = await stack.user("hal")
    data = os.urandom(3 * CHUNK + 5)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    real = DirectUploads.confirm

    async def interrupted(self: DirectUploads) -> set[int]:
        raise SealboxError("the run was interrupted after the chunks went to the store")

    monkeypatch.setattr(DirectUploads, "confirm", interrupted)
    with pytest.raises(SealboxError):
        await files.put(drive, [source], "/big.bin", files.Reporter())
    stored = sorted(key for key in stack.blobs.keys() if "/chunks/" in key)
    assert len(stored) == 4
    monkeypatch.setattr(DirectUploads, "confirm", real)
    # The rerun seals the same chunks again (the journal keeps key and nonces): the store already
    # holds them (412), the server records them, and nothing went through the API server.
    await files.put(drive, [source], "/big.bin", files.Reporter())
    assert sorted(key for key in stack.blobs.keys() if "/chunks/" in key) == stored
    out = tmp_path / "out.bin"
    await files.get(drive, ["/big.bin"], out, files.Reporter())
    assert out.read_bytes() == data
    assert stack.proxied == (0, content.HEADER_BYTES)
