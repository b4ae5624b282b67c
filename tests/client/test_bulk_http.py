# SPDX-License-Identifier: AGPL-3.0-or-later
"""Content downloads through aiohttp (sdk/bulk_http.py) against a real socket: what is sent, what
is read, and that its failures reach callers as the httpx errors everything above maps."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from sealbox.client.sdk.api import Api, Http
from sealbox.client.sdk.errors import ApiError

Answer = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]
LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)
CONTENT_ID = bytes(16)

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def server(answer: Answer) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A one-route HTTP server on a real socket that records each request's head and body."""
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = LENGTH.search(head)
                heads.append(head + await reader.readexactly(int(length[1]) if length else 0))
                await answer(head, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield f"http://127.0.0.1:{port}", heads


def partial(body: bytes, total: int, declared: int | None = None) -> Answer:
    async def answer(_: bytes, writer: asyncio.StreamWriter) -> None:
        length = len(body) if declared is None else declared
        writer.write(
            b"HTTP/1.1 206 Partial Content\r\ncontent-type: application/octet-stream\r\n"
            + f"content-range: bytes 0-{len(body) - 1}/{total}\r\n".encode()
            + f"content-length: {length}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        if declared is not None:
            writer.close()  # fewer bytes than declared, then the connection ends

    return answer


async def test_a_network_client_downloads_content_through_aiohttp() -> None:
    async with server(partial(b"0123456789", 1000)) as (url, heads):
        async with Http(base_url=url) as http:
            assert http.bulk is not None
            api = Api(http, token="tok")
            data, total = await api.content_range_sized(CONTENT_ID, 0, 10)
            again, _ = await api.content_range_sized(CONTENT_ID, 0, 10)
    assert (data, again, total) == (b"0123456789", b"0123456789", 1000)
    head = heads[0].decode().lower()
    assert "range: bytes=0-9" in head
    assert "authorization: bearer tok" in head
    assert "accept-encoding: identity" in head  # httpx would ask for gzip
    assert len(heads) == 2  # one connection, reused


async def test_content_goes_through_httpx_until_bulk_from_bytes_were_asked_for() -> None:
    """The CLI's client (bulk_from 16 MiB): a get of a few small files never imports aiohttp;
    once as much content was asked for, every later download, however small, goes through it."""
    async with server(partial(b"0123456789", 1000)) as (url, heads):
        async with Http(base_url=url, bulk_from=25) as http:
            assert http.bulk is not None
            api = Api(http, token="tok")
            for _ in range(2):  # 10 and 20 bytes asked for: httpx
                assert await api.content_range(CONTENT_ID, 0, 10) == b"0123456789"
            assert not http.bulk.opened
            for _ in range(2):  # 30 bytes: aiohttp, and from then on
                assert await api.content_range(CONTENT_ID, 0, 10) == b"0123456789"
            assert http.bulk.opened
    # httpx asks for compressed answers, aiohttp (as bulk_http sets it up) for none.
    encodings = [re.search(rb"accept-encoding: *([^\r]*)", h, re.I)[1] for h in heads]  # type: ignore[index]
    assert [e == b"identity" for e in encodings] == [False, False, True, True]


async def test_a_client_with_its_own_transport_downloads_through_it() -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(206, content=b"abc"))
    async with Http(base_url="http://testserver", transport=transport) as http:
        assert http.bulk is None
        assert await Api(http).content_range(CONTENT_ID, 0, 3) == b"abc"


async def test_an_answer_cut_short_is_httpx_remote_protocol_error() -> None:
    async with server(partial(b"01234", 1000, declared=10)) as (url, _):
        async with Http(base_url=url) as http:
            with pytest.raises(httpx.RemoteProtocolError, match="closed the connection"):
                await Api(http).content_range(CONTENT_ID, 0, 10)


async def test_no_server_is_httpx_connect_error() -> None:
    async with server(partial(b"", 0)) as (url, _):
        pass  # closed: nothing listens on its port any more
    async with Http(base_url=url) as http:
        with pytest.raises(httpx.ConnectError):
            await Api(http).content_range(CONTENT_ID, 0, 10)


async def test_a_refusal_is_an_api_error_with_the_servers_words() -> None:
    async def refuse(_: bytes, writer: asyncio.StreamWriter) -> None:
        body = b'{"error": "not_found", "message": "no such content"}'
        writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n"
                     + f"content-length: {len(body)}\r\n\r\n".encode() + body)  # fmt: skip
        await writer.drain()

    async with server(refuse) as (url, _):
        async with Http(base_url=url) as http:
            with pytest.raises(ApiError, match="no such content") as raised:
                await Api(http).content_range(CONTENT_ID, 0, 10)
    assert raised.value.status == 404


async def test_a_server_that_stops_sending_is_httpx_read_timeout() -> None:
    async def stall(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 206 Partial Content\r\ncontent-length: 10\r\n\r\n01")
        await writer.drain()
        await asyncio.sleep(5)

    async with server(stall) as (url, _):
        async with Http(base_url=url, timeout=httpx.Timeout(0.3)) as http:
            with pytest.raises(httpx.ReadTimeout):
                await Api(http).content_range(CONTENT_ID, 0, 10)


async def test_chunk_uploads_stay_on_httpx() -> None:
    async def answer(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                     b"content-length: 2\r\n\r\n{}")  # fmt: skip
        await writer.drain()

    sealed = memoryview(bytearray(b"sealed bytes" * 1000))
    async with server(answer) as (url, heads):
        async with Http(base_url=url) as http:
            await Api(http, token="tok").put_chunk(CONTENT_ID, 3, sealed)
            assert http.bulk is not None and http.bulk._session is None  # aiohttp never opened
    head, _, body = heads[0].partition(b"\r\n\r\n")
    assert head.lower().startswith(b"put /v1/") and body == bytes(sealed)
