# SPDX-License-Identifier: AGPL-3.0-or-later
"""Downloads through uvicorn with the zero-copy send extension (server/sendfile_http.py): chunk
files go to the socket with ``sendfile``, and what the client receives is exactly the content's
bytes, or an answer cut short, never other bytes.

The server runs in the test's event loop on a real TCP socket (ASGITransport has no socket to
send a file to), and clients talk to it over TCP."""

import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn

from sealbox.protocol.models import b64encode
from sealbox.server import sendfile_http
from sealbox.server.sendfile_http import ZERO_COPY_SEND
from sealbox.server.zero_copy_http import ZeroCopyHttpProtocol
from tests.client.test_bulk_http import tls_pair
from tests.server.conftest import Server
from tests.server.test_transfers import HEADER, commit_file, make_chunks, upload

pytestmark = pytest.mark.anyio

App = Callable[[Any, Any, Any], Awaitable[None]]


@asynccontextmanager
async def serving(app: App, tls: tuple[Path, Path] | None = None) -> AsyncIterator[str]:
    """``app`` under uvicorn with the sendfile protocol on 127.0.0.1; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    extra: dict[str, Any] = {}
    if tls is not None:
        extra = {"ssl_certfile": str(tls[0]), "ssl_keyfile": str(tls[1])}
    config = uvicorn.Config(
        app, http=ZeroCopyHttpProtocol, lifespan="off", log_level="critical", **extra
    )
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve, [sock])
        while not server.started:
            await anyio.sleep(0.01)
        try:
            yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        finally:
            server.should_exit = True


@pytest.fixture
def sendfile_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The byte counts of every ``sendfile`` the protocol made."""
    calls: list[int] = []
    real = sendfile_http._sendfile_some

    def counted(sock: int, fd: int, offset: int, count: int) -> int | None:
        sent = real(sock, fd, offset, count)
        calls.append(sent or 0)
        return sent

    monkeypatch.setattr(sendfile_http, "_sendfile_some", counted)
    return calls


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_content_ranges_over_tcp_come_from_the_chunk_files_unchanged(
    server: Server, sendfile_calls: list[int]
) -> None:
    account = await server.api.signup()
    chunks = make_chunks(4, last=700)
    content = await upload(server, account, chunks)
    await commit_file(server, account, content)
    whole = HEADER + b"".join(chunks)
    ranges = [(0, len(whole)), (0, 1), (10, 2001), (56, 1096), (1095, 1097), (3000, len(whole))]
    path = f"/v1/contents/{b64encode(content)}"
    async with serving(server.app) as url, httpx.AsyncClient(base_url=url) as client:
        for start, end in ranges:
            response = await client.get(
                path, headers={**account.headers, "Range": f"bytes={start}-{end - 1}"}
            )
            assert (response.status_code, response.content) == (206, whole[start:end])
        chunk = await client.get(f"{path}/chunks/2", headers=account.headers)
        assert chunk.content == chunks[2]
    # Every range above touches a chunk file: none of them was read into Python.
    assert sum(sendfile_calls) == sum(
        max(0, min(e, len(whole)) - max(s, 56)) for s, e in ranges
    ) + len(chunks[2])


def _file_app(path: Path, parts: list[bytes | tuple[int, int]], length: int) -> App:
    """An ASGI app that answers with ``parts``: bytes, or (offset, count) spans of ``path``."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(length).encode())],
            }
        )
        with path.open("rb") as file:
            for part in parts:
                if isinstance(part, bytes):
                    await send({"type": "http.response.body", "body": part, "more_body": True})
                    continue
                offset, count = part
                message = {"file": file, "offset": offset, "count": count, "more_body": True}
                await send({"type": ZERO_COPY_SEND, **message})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


async def test_a_slow_reader_gets_every_byte_in_order(
    tmp_path: Path, sendfile_calls: list[int]
) -> None:
    data = os.urandom(24 << 20)
    path = tmp_path / "blob"
    path.write_bytes(data)
    parts: list[bytes | tuple[int, int]] = [b"head", (0, 10 << 20), b"middle", (10 << 20, 14 << 20)]
    want = b"head" + data[: 10 << 20] + b"middle" + data[10 << 20 :]
    app = _file_app(path, parts, len(want))
    async with serving(app) as url, httpx.AsyncClient() as client:
        got = bytearray()
        async with client.stream("GET", url) as response:
            async for piece in response.aiter_raw():
                got += piece
                if len(got) < (4 << 20):
                    await anyio.sleep(0.002)  # the socket fills: the server waits to write
        assert bytes(got) == want
    # The socket was full at least once, so some sendfile moved less than was asked.
    assert len(sendfile_calls) > 2


@pytest.mark.parametrize(
    "span, length",
    [
        pytest.param((0, 1500), 1500, id="a file shorter than its span"),
        pytest.param((0, 1000), 999, id="a span past the content length"),
    ],
)
async def test_a_span_that_does_not_fit_cuts_the_answer_short(
    tmp_path: Path, span: tuple[int, int], length: int
) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"x" * 1000)
    app = _file_app(path, [span], length)
    async with serving(app) as url, httpx.AsyncClient() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(url)
        # The server goes on serving.
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(url)


async def test_a_reader_that_leaves_mid_file_leaks_nothing(tmp_path: Path) -> None:
    data = os.urandom(32 << 20)
    path = tmp_path / "blob"
    path.write_bytes(data)
    app = _file_app(path, [(0, len(data))], len(data))
    async with serving(app) as url:
        before = open_fds()
        port = int(url.rsplit(":", 1)[1])
        for _ in range(3):
            # A blocking client, in a thread: the server runs in this test's event loop.
            await anyio.to_thread.run_sync(_read_a_little_then_leave, port)
            await anyio.sleep(0.2)
        async with httpx.AsyncClient() as client:
            assert (await client.get(url)).content == data
        await anyio.sleep(0.1)
        assert open_fds() <= before + 1  # the client's own idle connection at most


def _read_a_little_then_leave(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(65536)


async def test_zero_copy_is_offered_on_plain_tcp_only(tmp_path: Path) -> None:
    seen: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(ZERO_COPY_SEND in (scope.get("extensions") or {}))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    _, client_tls = tls_pair(tmp_path)
    tls = (tmp_path / "cert.pem", tmp_path / "key.pem")
    async with serving(app) as url, httpx.AsyncClient() as client:
        await client.get(url)
    async with serving(app, tls) as url, httpx.AsyncClient(verify=client_tls) as client:
        await client.get(url)
    assert seen == [True, False]
