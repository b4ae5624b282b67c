# SPDX-License-Identifier: AGPL-3.0-or-later
"""Request bodies read from the socket into the application's buffer (server/socket_body.py,
``sealbox.request.readinto``): the bytes arrive unchanged, the connection's next request is
parsed right after them, and a body left unread, or cut off, never turns into a request."""

import hashlib
import os
import socket
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from sealbox.protocol.models import b64encode
from sealbox.server import socket_body
from sealbox.server.blobs.blob_writes import (
    WRITE_BATCH,
    AlignedBuffers,
    NewFile,
    write_buffered,
    write_direct,
)
from sealbox.server.services.uploads import WrongLength
from sealbox.server.socket_body import READ_INTO
from sealbox.testing.http_api import new_id, ok
from tests.client.test_bulk_http import tls_pair
from tests.server.conftest import Server
from tests.server.test_sendfile_downloads import App, open_fds, serving
from tests.server.test_transfers import HEADER, commit_file, open_body

pytestmark = pytest.mark.anyio

MIB = 1 << 20


@pytest.fixture
def direct_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The byte counts of every read the protocol made from a socket into a body's buffer."""
    reads: list[int] = []
    real = socket_body._recv_some

    async def counted(sock: socket.socket, buffer: memoryview, transport: Any) -> int:
        received = await real(sock, buffer, transport)
        reads.append(received)
        return received

    monkeypatch.setattr(socket_body, "_recv_some", counted)
    return reads


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_chunks_sent_over_tcp_are_read_into_the_store_unchanged(
    server: Server, direct_reads: list[int]
) -> None:
    account = await server.api.signup()
    chunks = [os.urandom(MIB + 16) for _ in range(3)] + [os.urandom(999)]
    content = new_id()
    cid = b64encode(content)
    opening = open_body(content, chunks, chunk_size=MIB)
    async with serving(server.app) as url, httpx.AsyncClient(base_url=url) as client:
        ok(await client.post("/v1/uploads", json=opening, headers=account.headers))
        # One connection for every request: each is parsed right after a body read from it.
        for index, chunk in enumerate(chunks):
            path = f"/v1/uploads/{cid}/chunks/{index}"
            ok(await client.put(path, content=chunk, headers=account.headers))
        await commit_file(server, account, content)
        got = await client.get(f"/v1/contents/{cid}", headers=account.headers)
    assert got.content == HEADER + b"".join(chunks)
    # Most of each large chunk came straight from the socket, not through uvicorn's messages.
    assert sum(direct_reads) > 2 * MIB


def _digest_app(
    paths: list[str], errors: list[BaseException], stop_after: int | None = None
) -> App:
    """Reads each request's body with ``readinto`` (up to ``stop_after`` bytes) and answers its
    SHA-256; records the paths it was asked for and what reading raised."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        paths.append(scope["path"])
        readinto = scope["extensions"][READ_INTO]["readinto"]
        digest, buffer = hashlib.sha256(), memoryview(bytearray(300_000))
        seen = 0
        try:
            while stop_after is None or seen < stop_after:
                filled = await readinto(buffer)
                if not filled:
                    break
                digest.update(buffer[:filled])
                seen += filled
        except ConnectionError as exc:
            errors.append(exc)
            return
        body = digest.hexdigest().encode()
        headers = [(b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _request(path: str, body: bytes) -> bytes:
    head = f"PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _exchange(port: int, data: bytes, answers: int) -> bytes:
    """Send ``data`` at once, then read until ``answers`` digests (64 bytes each) are in."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        got = b""
        while got.count(b"HTTP/1.1 ") < answers or len(got.rsplit(b"\r\n\r\n", 1)[-1]) < 64:
            piece = sock.recv(65536)
            if not piece:
                break
            got += piece
        return got


async def test_pipelined_requests_after_a_body_read_from_the_socket(
    direct_reads: list[int],
) -> None:
    paths: list[str] = []
    big, small = os.urandom(3 * MIB), b"next request's body"
    data = _request("/first", big) + _request("/second", small)
    async with serving(_digest_app(paths, [])) as url:
        port = int(url.rsplit(":", 1)[1])
        got = await anyio.to_thread.run_sync(_exchange, port, data, 2)
    assert got.count(b"HTTP/1.1 200 OK") == 2
    assert hashlib.sha256(big).hexdigest().encode() in got
    assert got.endswith(hashlib.sha256(small).hexdigest().encode())
    assert paths == ["/first", "/second"]
    assert direct_reads


async def test_an_answer_before_the_body_ends_closes_the_connection(
    direct_reads: list[int],
) -> None:
    """Bytes of a body the parser did not see must never be parsed as a request: the rest of
    this body holds one, and the server closes the connection instead of reading it."""
    paths: list[str] = []
    hidden = b"GET /hidden HTTP/1.1\r\nHost: x\r\n\r\n"
    body = os.urandom(2 * MIB) + hidden * 1000
    async with serving(_digest_app(paths, [], stop_after=MIB)) as url:
        port = int(url.rsplit(":", 1)[1])
        got = await anyio.to_thread.run_sync(_read_to_close, port, _request("/early", body))
    assert got.count(b"HTTP/1.1 200 OK") == 1
    assert paths == ["/early"]
    assert direct_reads


def _read_to_close(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed before taking it all: what it answered is still there
        got = b""
        while True:
            try:
                piece = sock.recv(65536)
            except ConnectionResetError:
                break
            if not piece:
                break
            got += piece
        return got


async def test_a_client_that_leaves_mid_body_is_seen_to_leave(direct_reads: list[int]) -> None:
    paths: list[str] = []
    errors: list[BaseException] = []
    async with serving(_digest_app(paths, errors)) as url:
        port = int(url.rsplit(":", 1)[1])
        before = open_fds()
        for _ in range(3):
            await anyio.to_thread.run_sync(_send_half_then_leave, port)
            await anyio.sleep(0.2)
        assert len(errors) == 3
        assert all(isinstance(error, ConnectionResetError) for error in errors)
        # The server goes on serving, with no descriptor left behind.
        async with httpx.AsyncClient() as client:
            answer = await client.put(f"{url}/after", content=b"whole")
        assert answer.content == hashlib.sha256(b"whole").hexdigest().encode()
        await anyio.sleep(0.1)
        assert open_fds() <= before + 1  # the client's own idle connection at most


def _send_half_then_leave(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_request("/half", os.urandom(4 * MIB))[: 2 * MIB])


async def test_readinto_is_offered_for_content_length_bodies_on_plain_tcp_only(
    tmp_path: Path,
) -> None:
    seen: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(READ_INTO in (scope.get("extensions") or {}))
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def pieces() -> Any:
        yield b"chunked "
        yield b"body"

    _, client_tls = tls_pair(tmp_path)
    tls = (tmp_path / "cert.pem", tmp_path / "key.pem")
    async with serving(app) as url, httpx.AsyncClient() as client:
        await client.put(url, content=b"framed")
        await client.put(url, content=pieces())  # Transfer-Encoding: chunked
        await client.get(url)  # no body
    async with serving(app, tls) as url, httpx.AsyncClient(verify=client_tls) as client:
        await client.put(url, content=b"framed")
    assert seen == [True, False, False, False]


class _Filling:
    """A body that fills buffers itself, with ``size`` bytes in all."""

    def __init__(self, size: int) -> None:
        self._left = size

    def __aiter__(self) -> Any:
        raise AssertionError("a body that fills buffers is not iterated")

    async def readinto(self, buffer: memoryview) -> int:
        taken = min(self._left, len(buffer))
        buffer[:taken] = b"\x07" * taken
        self._left -= taken
        return taken


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("size", [MIB + 15, MIB + 17], ids=["one byte short", "one byte long"])
async def test_a_chunk_that_fills_to_the_wrong_length_is_refused_and_not_kept(
    server: Server, size: int
) -> None:
    account = await server.api.signup()
    content = new_id()
    opening = open_body(content, [bytes(MIB + 16), bytes(100)], chunk_size=MIB)
    ok(await server.client.post("/v1/uploads", json=opening, headers=account.headers))
    with pytest.raises(WrongLength):
        await server.services.uploads.put_chunk(account.user_id, content, 0, _Filling(size))
    status = await server.client.get(f"/v1/uploads/{b64encode(content)}", headers=account.headers)
    assert ok(status)["present"] == []


class _Pieces:
    """A body that fills buffers from ``data`` in pieces of at most ``step`` bytes."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._step = memoryview(data), step

    async def readinto(self, buffer: memoryview) -> int:
        taken = min(len(self._data), len(buffer), self._step)
        buffer[:taken] = self._data[:taken]
        self._data = self._data[taken:]
        return taken


@pytest.mark.parametrize("direct", [True, False], ids=["O_DIRECT", "page cache"])
async def test_both_blob_writers_store_a_filling_body_unchanged(
    tmp_path: Path, direct: bool
) -> None:
    data = os.urandom(2 * WRITE_BATCH + 5000)
    path = tmp_path / "blob"
    file = NewFile(path, direct=direct)
    try:
        if direct:
            size = await write_direct(file, _Pieces(data, 700_000), AlignedBuffers())  # type: ignore[arg-type]
        else:
            size = await write_buffered(file, _Pieces(data, 700_000))  # type: ignore[arg-type]
    finally:
        file.close_direct()
        assert file.fd is not None
        os.close(file.fd)
    assert (size, path.read_bytes()) == (len(data), data)
