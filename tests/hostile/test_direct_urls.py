# SPDX-License-Identifier: AGPL-3.0-or-later
"""A server that lies through direct-transfer URLs (spec/http-api.md §6.6; catalogue row A73).

The real server app with a direct-transfer store on the Ceph stack, behind the hostile wrapper,
which rewrites the URLs it hands out: swapped between chunks, taken from another content, or
pointing at a host of its own. A URL is only a place to fetch bytes from: every chunk is opened
and verified as a proxied one is, and nothing of the session goes to the URL's host.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from sealbox.client.sdk import files
from sealbox.crypto import content
from sealbox.crypto.errors import IntegrityError
from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings
from sealbox.testing.hostile import Exchange, HostileServer
from tests.client.test_direct_transfers import direct_store
from tests.conftest import S3Blobs

from .conftest import SERVER, Arena

pytestmark = pytest.mark.anyio
CHUNK = content.DEFAULT_CHUNK_SIZE
DIRECT = r"/v1/contents/[^/]+/direct"


@pytest.fixture
async def arena(tmp_path: Path, s3_blobs: S3Blobs) -> AsyncIterator[Arena]:
    settings = Settings(data_dir=tmp_path / "server", secret=bytes(range(32)))
    store = direct_store(s3_blobs, s3_blobs.cluster.endpoint)
    hostile = HostileServer(
        create_app(build_services(settings, blobs=store), background_jobs=False)
    )
    async with hostile.app.router.lifespan_context(hostile.app):  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=hostile)
        async with httpx.AsyncClient(transport=transport, base_url=SERVER) as http:
            yield Arena(hostile, http, tmp_path)


def _urls(change: object) -> object:
    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200:
            return None
        body = json.loads(exchange.body)
        change(body["chunks"])  # type: ignore[operator]
        return json.dumps(body).encode()

    return rewrite


async def _stored(arena: Arena, tmp_path: Path, name: str, size: int) -> tuple[object, bytes]:
    drive = await arena.user(name)
    data = os.urandom(size)
    source = tmp_path / f"{name}.bin"
    source.write_bytes(data)
    await files.put(drive, [source], f"/{name}.bin", files.Reporter())
    return drive, data


async def test_A73_server_swaps_direct_chunk_urls(arena: Arena, tmp_path: Path) -> None:
    drive, _ = await _stored(arena, tmp_path, "alice", 3 * CHUNK)

    def swap(chunks: list[dict[str, object]]) -> None:
        chunks[0]["url"], chunks[1]["url"] = chunks[1]["url"], chunks[0]["url"]

    arena.hostile.on("POST", DIRECT, _urls(swap))  # type: ignore[arg-type]
    out = tmp_path / "out.bin"
    with pytest.raises(IntegrityError):
        await files.get(drive, ["/alice.bin"], out, files.Reporter())  # type: ignore[attr-defined]
    assert not out.exists() and not list(tmp_path.glob(".sealbox-*"))


async def test_A73_server_points_direct_urls_at_another_content(
    arena: Arena, tmp_path: Path
) -> None:
    drive, _ = await _stored(arena, tmp_path, "bob", 2 * CHUNK + 9)
    # Another file of the same account and the same geometry: its URLs are valid, signed ones.
    other = tmp_path / "other.bin"
    other.write_bytes(os.urandom(2 * CHUNK + 9))
    await files.put(drive, [other], "/other.bin", files.Reporter())  # type: ignore[arg-type]
    theirs: list[list[dict[str, object]]] = []
    arena.hostile.on("POST", DIRECT, _urls(theirs.append), times=1)  # type: ignore[arg-type]
    await files.get(drive, ["/other.bin"], tmp_path / "seen.bin", files.Reporter())  # type: ignore[arg-type]

    def replace(chunks: list[dict[str, object]]) -> None:
        for mine, other_chunk in zip(chunks, theirs[0], strict=True):
            mine["url"] = other_chunk["url"]

    arena.hostile.clear()
    arena.hostile.on("POST", DIRECT, _urls(replace))  # type: ignore[arg-type]
    out = tmp_path / "out.bin"
    with pytest.raises(IntegrityError):
        await files.get(drive, ["/bob.bin"], out, files.Reporter())  # type: ignore[arg-type]
    assert not out.exists()


class _Catcher(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []  # noqa: RUF012 - one server per test, reset by the fixture

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).seen.append(
            {**dict(self.headers), "body-length": str(len(self.rfile.read(length)))}
        )
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def catcher() -> Iterator[str]:
    _Catcher.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Catcher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_A73_server_points_direct_urls_at_a_host_of_its_own(
    arena: Arena, tmp_path: Path, catcher: str
) -> None:
    drive, data = await _stored(arena, tmp_path, "carol", 2 * CHUNK + 3)

    def elsewhere(chunks: list[dict[str, object]]) -> None:
        chunks[0]["url"] = f"{catcher}/collect"
        for chunk in chunks[1:]:
            chunk["url"] = "file:///etc/passwd"

    arena.hostile.on("POST", DIRECT, _urls(elsewhere))  # type: ignore[arg-type]
    out = tmp_path / "out.bin"
    # The URLs lead nowhere useful: the client takes the chunks through the server and verifies
    # them as always; the host the server named saw no session, no key, nothing but a GET.
    await files.get(drive, ["/carol.bin"], out, files.Reporter())  # type: ignore[attr-defined]
    assert out.read_bytes() == data
    assert _Catcher.seen, "the client never tried the URL"
    for headers in _Catcher.seen:
        assert "Authorization" not in headers and "Cookie" not in headers


async def test_A73_server_points_upload_urls_at_a_host_of_its_own(
    arena: Arena, tmp_path: Path, catcher: str
) -> None:
    def elsewhere(chunks: list[dict[str, object]]) -> None:
        for chunk in chunks:
            chunk["url"] = f"{catcher}/collect"

    arena.hostile.on("POST", r"/v1/uploads/[^/]+/direct", _urls(elsewhere))  # type: ignore[arg-type]
    drive, data = await _stored(arena, tmp_path, "dan", 2 * CHUNK + 3)
    out = tmp_path / "out.bin"
    await files.get(drive, ["/dan.bin"], out, files.Reporter())  # type: ignore[attr-defined]
    assert out.read_bytes() == data
    # The host saw a sealed chunk, as the server would have: no session, and then nothing more,
    # since the chunk it did not keep went through the server.
    assert _Catcher.seen
    for headers in _Catcher.seen:
        assert "Authorization" not in headers and "Cookie" not in headers
        assert int(headers["body-length"]) in (CHUNK + content.TAG_BYTES, 3 + content.TAG_BYTES)
