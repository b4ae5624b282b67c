# SPDX-License-Identifier: AGPL-3.0-or-later
"""Content downloads received straight into the caller's buffer (sdk/bulk_http.py) against a real
socket, on asyncio's loop and on uvloop (the CLI's): what is sent, what is read, what a hostile or
broken answer does, and that failures reach callers as the httpx errors everything above maps."""

from __future__ import annotations

import asyncio
import re
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from sealbox.client.sdk.api import Api, Http
from sealbox.client.sdk.bulk_http import Body
from sealbox.client.sdk.errors import ApiError
from sealbox.client.sdk.http_wire import SPILL, Wire

Answer = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]
LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)
CONTENT_ID = bytes(16)
CONNECTIONS: dict[str, list[object]] = {}

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "uvloop"])
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, bool]]:
    return "asyncio", {"use_uvloop": request.param == "uvloop"}


@asynccontextmanager
async def server(
    answer: Answer, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A one-route HTTP server on a real socket that records each request's head and body, and
    in ``CONNECTIONS[url]`` each connection made to it."""
    heads: list[bytes] = []
    peers: list[object] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer.get_extra_info("peername"))
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

    listener = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    CONNECTIONS[url] = peers
    async with listener:
        yield url, heads


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


async def test_a_network_client_downloads_content_over_its_own_pool() -> None:
    async with server(partial(b"0123456789", 1000)) as (url, heads):
        connections = CONNECTIONS[url]
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
    assert len(heads) == 2 and len(connections) == 1  # one connection, reused


async def test_content_goes_through_httpx_until_bulk_from_bytes_were_asked_for() -> None:
    """The CLI's client (bulk_from 16 MiB): a get of a few small files opens no second
    connection; once as much content was asked for, every later download goes through the pool."""
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
    # httpx asks for compressed answers, the pool for none.
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
            assert http.bulk is not None and not http.bulk.opened
    head, _, body = heads[0].partition(b"\r\n\r\n")
    assert head.lower().startswith(b"put /v1/") and body == bytes(sealed)


def whole(body: bytes, extra: bytes = b"") -> Answer:
    """A 206 answer of ``body`` framed by its Content-Length, then ``extra`` bytes it does not
    count."""

    async def answer(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 206 Partial Content\r\n"
                     + f"content-length: {len(body)}\r\n\r\n".encode() + body + extra)  # fmt: skip
        await writer.drain()

    return answer


async def test_a_body_is_received_straight_into_the_callers_buffers() -> None:
    """Across the head's read and several fills, the bytes land where they belong."""
    body = bytes(range(256)) * 4096  # 1 MiB: more than the spill buffer holds
    async with server(whole(body)) as (url, _):
        async with Http(base_url=url) as http:
            api = Api(http)
            async with api.content_range_stream(CONTENT_ID, 0, len(body)) as (pieces, _):
                assert isinstance(pieces, Body)
                target = memoryview(bytearray(len(body) + 10))
                firsts = await pieces.fill(target[:1000])
                rest = await pieces.fill(target[1000:])
                assert await pieces.fill(target[:1]) == 0  # the body ended
    assert (firsts, rest) == (1000, len(body) - 1000)
    assert target[: len(body)] == body


async def test_a_chunked_answer_is_read_through_h11() -> None:
    async def chunked(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 206 Partial Content\r\ntransfer-encoding: chunked\r\n\r\n"
                     b"4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n")  # fmt: skip
        await writer.drain()

    async with server(chunked) as (url, _):
        async with Http(base_url=url) as http:
            assert await Api(http).content_range(CONTENT_ID, 0, 10) == b"0123456789"
            async with Api(http).content_range_stream(CONTENT_ID, 0, 10) as (pieces, _):
                target = memoryview(bytearray(10))
                # Fills that cut h11's pieces (4 and 6 bytes) anywhere, then iteration.
                assert await pieces.fill(target[:3]) == 3  # type: ignore[attr-defined]
                assert await pieces.fill(target[3:5]) == 2  # type: ignore[attr-defined]
                assert await anext(pieces) == b"56789"  # what the fill left of "456789"
                assert await pieces.fill(target[:1]) == 0  # type: ignore[attr-defined]
    assert bytes(target[:5]) == b"01234"


async def test_a_head_without_end_is_refused_at_its_bound() -> None:
    async def endless(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 206 Partial Content\r\n")
        for _ in range(200):
            writer.write(b"x-filler: " + b"a" * 1000 + b"\r\n")
        await writer.drain()
        await asyncio.sleep(5)

    async with server(endless) as (url, _):
        async with Http(base_url=url, timeout=httpx.Timeout(2)) as http:
            with pytest.raises(httpx.RemoteProtocolError, match="head is over 64 KiB"):
                await Api(http).content_range(CONTENT_ID, 0, 10)


async def test_bytes_after_a_body_end_its_connection() -> None:
    """A server that sends more than its Content-Length does not get to answer the next request
    with them: the connection is dropped, the next download opens a new one."""
    async with server(whole(b"0123456789", extra=b"HTTP/1.1 206 Forged\r\n\r\n")) as (url, _):
        async with Http(base_url=url) as http:
            api = Api(http)
            for _ in range(2):
                assert await api.content_range(CONTENT_ID, 0, 10) == b"0123456789"
        assert len(CONNECTIONS[url]) == 2


async def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    """Servers close idle keep-alive connections (uvicorn after 5 s), sometimes just as the next
    request arrives: the client asks again on a new connection instead of failing."""
    answered: set[asyncio.StreamWriter] = set()

    async def once(head: bytes, writer: asyncio.StreamWriter) -> None:
        if writer in answered:  # the second request on this connection: closed unanswered
            writer.close()
            return
        answered.add(writer)
        await whole(b"0123456789")(head, writer)

    async with server(once) as (url, _):
        async with Http(base_url=url) as http:
            api = Api(http)
            for size in (10, 10, 10):
                assert await api.content_range(CONTENT_ID, 0, size) == b"0123456789"
            async with api.content_range_stream(CONTENT_ID, 0, 10) as (pieces, _):
                target = memoryview(bytearray(10))
                assert await pieces.fill(target) == 10  # type: ignore[attr-defined]
        assert len(CONNECTIONS[url]) == 4


async def test_a_fill_cut_by_its_deadline_never_writes_into_the_buffer_later() -> None:
    async def slow(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 206 Partial Content\r\ncontent-length: 20\r\n\r\n0123456789")
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.write(b"abcdefghij")
        await writer.drain()
        await asyncio.sleep(1)

    async with server(slow) as (url, _):
        async with Http(base_url=url) as http:
            async with Api(http).content_range_stream(CONTENT_ID, 0, 20) as (pieces, _):
                target = memoryview(bytearray(20))
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.1):
                        await pieces.fill(target)  # type: ignore[attr-defined]
                before = bytes(target)
                await asyncio.sleep(0.5)  # the rest arrives meanwhile, somewhere else
                assert bytes(target) == before
                with pytest.raises(httpx.ReadError):
                    await pieces.fill(target)  # type: ignore[attr-defined]
    assert before == b"0123456789" + bytes(10)


async def test_content_over_https_is_received_into_the_buffer(tmp_path: Path) -> None:
    server_tls, client_tls = tls_pair(tmp_path)
    body = bytes(range(256)) * 1024
    async with server(whole(body), tls=server_tls) as (url, _):
        async with Http(base_url=url, verify=client_tls) as http:
            assert http.bulk is not None
            api = Api(http)
            for _ in range(2):
                assert await api.content_range(CONTENT_ID, 0, len(body)) == body
            assert http.bulk.opened
        assert len(CONNECTIONS[url]) == 1


async def test_an_untrusted_certificate_is_httpx_connect_error(tmp_path: Path) -> None:
    server_tls, _ = tls_pair(tmp_path)
    async with server(whole(b"0123456789"), tls=server_tls) as (url, _):
        async with Http(base_url=url) as http:  # the system's trust: not this certificate
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await Api(http).content_range(CONTENT_ID, 0, 10)


def test_a_proxy_in_the_environment_leaves_downloads_to_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert Http(base_url="https://drive.example").bulk is None
    assert Http(base_url="http://drive.example").bulk is not None
    assert Http(base_url="https://drive.example", trust_env=False).bulk is not None
    monkeypatch.setenv("NO_PROXY", "drive.example")
    assert Http(base_url="https://drive.example").bulk is not None


def tls_pair(tmp: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh self-signed certificate for 127.0.0.1 (made by the openssl
    command), and a client context that trusts only it."""
    cert_pem, key_pem = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=sealbox test", "-addext",
         "subjectAltName=IP:127.0.0.1", "-keyout", key_pem, "-out", cert_pem],
        check=True, capture_output=True,
    )  # fmt: skip
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_pem, key_pem)
    client_tls = ssl.create_default_context(cafile=str(cert_pem))
    return server_tls, client_tls


class ReadsWhilePaused:
    """A transport that goes on reading after ``pause_reading``, which no transport should."""

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def is_closing(self) -> bool:
        return False

    def abort(self) -> None: ...


def test_bytes_past_a_full_spill_buffer_end_the_connection_and_are_kept_nowhere() -> None:
    wire = Wire(read_timeout=None)
    wire.connection_made(ReadsWhilePaused())  # type: ignore[arg-type]
    spill = wire.get_buffer(-1)
    spill[:] = b"a" * len(spill)
    wire.buffer_updated(len(spill))
    assert (wire.unread, wire.lost) == (SPILL, None)
    extra = wire.get_buffer(-1)  # reading on, though paused
    extra[:10] = b"b" * 10
    wire.buffer_updated(10)
    assert wire.unread == SPILL and wire.spill == b"a" * SPILL
    assert isinstance(wire.lost, httpx.RemoteProtocolError) and not wire.reusable
