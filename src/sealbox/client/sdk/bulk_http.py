# SPDX-License-Identifier: AGPL-3.0-or-later
"""Content downloads received straight into the caller's chunk buffer.

A content answer is one long body of sealed chunks. Through an HTTP client that hands its body
over in pieces (httpx, aiohttp), every byte is received into a piece, then copied into the chunk
buffer that is opened in place, and each piece costs Python calls on the event loop's thread,
which a large get is bound by (docs/decisions/2006-downloads-into-the-chunk-buffer.md).

Here each connection is an ``asyncio.BufferedProtocol`` (http_wire.py): while a caller waits in
``fill``, the kernel receives the body straight into the caller's buffer, one Python call per
chunk. The answer's head is parsed by h11 (already imported, httpx's parser); when it frames the
body by its Content-Length, the body is a counted read into the caller's buffer. Any other
framing (chunked, or until the connection closes) is handed to h11 too and read piece by piece.
Nothing of the server's is trusted: a head has a size bound, a body its stated length, and a
connection is kept for the next request only when its answer was read exactly to its end.

``BulkGets`` belongs to one ``Http`` client (api.py, still the SDK's one transport injection point)
and copies its settings: the connect and read timeouts, TLS trust (httpx's own SSL context, made
on the first https connection only), the debug log hooks. A client given its own transport, mounts
or proxy, or one the environment sends through a proxy, has none and downloads through httpx.
Failures are raised as httpx's transport errors, so everything above maps them as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import urllib.request
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import h11
import httpx

from sealbox.client.sdk.http_wire import SPILL, Wire

NOT_FORWARDED = frozenset({b"connection", b"accept-encoding", b"content-length", b"keep-alive"})
CONNECTIONS = 16

Origin = tuple[str, str, int]


class StreamedResponse(Protocol):
    """What Api reads of a streamed answer, from httpx or from here."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> httpx.Headers: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class Body(AsyncIterator[bytes]):
    """A body read either way: piece by piece as it arrives, or straight into a buffer."""

    async def fill(self, target: memoryview) -> int:
        """Receive into ``target`` until it is full or the body ends; returns bytes received."""
        raise NotImplementedError


class Pieces(Body):
    """A body made of pieces that need not line up with the buffers filled from it: what a fill
    leaves of a piece is where the next fill, or the next piece, starts."""

    def __init__(self, pieces: AsyncIterator[bytes]) -> None:
        self._pieces = pieces
        self._rest = memoryview(b"")

    async def __anext__(self) -> bytes:
        if self._rest:
            piece, self._rest = bytes(self._rest), memoryview(b"")
            return piece
        return await anext(self._pieces)

    async def fill(self, target: memoryview) -> int:
        filled = 0
        while filled < len(target):
            if not self._rest:
                try:
                    self._rest = memoryview(await anext(self._pieces))
                except StopAsyncIteration:
                    break
            take = min(len(self._rest), len(target) - filled)
            target[filled : filled + take] = self._rest[:take]
            self._rest = self._rest[take:]
            filled += take
        return filled


class Answer(Body):
    """One answer over a ``Wire``: its status and headers, then its body."""

    def __init__(self, wire: Wire, head: h11.Response, parser: h11.Connection,
                 request: httpx.Request, done: Callable[[Wire, bool], None]) -> None:  # fmt: skip
        self._wire = wire
        self._request = request
        self._done = done
        self.status_code = head.status_code
        self.headers = httpx.Headers([(k, v) for k, v in head.headers])
        self._left: int | None = _counted_length(head, self.headers)
        # Framed some other way (chunked, or until close): piece by piece through h11.
        self._parsed = Pieces(self._parsed_pieces(parser)) if self._left is None else None
        self._keep = head.http_version == b"1.1" and "close" not in self._connection_tokens()
        self._closed = False

    def _connection_tokens(self) -> set[str]:
        return {t.strip().lower() for t in self.headers.get("connection", "").split(",")}

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        try:
            if self._parsed is not None:
                return await anext(self._parsed)
            if not self._left:
                raise StopAsyncIteration
            if not self._wire.unread:
                await self._wire.more()
            piece = self._wire.take(self._left)
            self._left -= len(piece)
            return piece
        except StopAsyncIteration:
            raise
        except Exception as exc:
            raise _transport_error(exc, self._request) from None

    async def fill(self, target: memoryview) -> int:
        if self._parsed is not None:
            try:
                return await self._parsed.fill(target)
            except Exception as exc:
                raise _transport_error(exc, self._request) from None
        assert self._left is not None
        want = min(len(target), self._left)
        if not want:
            return 0
        try:
            got = await self._wire.fill(target[:want])
        except Exception as exc:
            raise _transport_error(exc, self._request) from None
        self._left -= got
        if got < want:
            lost = self._wire.lost or EOFError()
            raise _transport_error(lost, self._request)
        return got

    async def _parsed_pieces(self, parser: h11.Connection) -> AsyncIterator[bytes]:
        while True:
            event = parser.next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
                continue
            if isinstance(event, h11.EndOfMessage):
                self._keep = False  # not worth the bookkeeping: these are rare
                return
            if event is h11.NEED_DATA:
                if self._wire.lost is None and not self._wire.unread:
                    with contextlib.suppress(EOFError, ConnectionError):  # h11 judges the end
                        await self._wire.more()
                ended = self._wire.lost is not None and not self._wire.unread
                parser.receive_data(b"" if ended else self._wire.take(SPILL))
                continue
            raise h11.RemoteProtocolError(f"unexpected {type(event).__name__}")

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            whole = self._left == 0 and self._keep and self._wire.reusable
            if not whole:
                self._wire.abort()
            self._done(self._wire, whole)


class BulkGets:
    """A pool of keep-alive connections for GETs of content, opened on the first one."""

    def __init__(self, http: httpx.AsyncClient, verify: ssl.SSLContext | str | bool) -> None:
        self._http = http
        self._verify = verify
        self._idle: dict[Origin, list[Wire]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._ssl: ssl.SSLContext | None = None

    @property
    def opened(self) -> bool:
        """Whether the pool was used (its first connection made)."""
        return self._slots is not None

    async def send(self, request: httpx.Request) -> StreamedResponse:
        """Send a GET built by the httpx client and return its answer, its body unread."""
        for hook in self._http.event_hooks["request"]:
            await hook(request)
        if self._slots is None:
            self._slots = asyncio.Semaphore(CONNECTIONS)
        await self._slots.acquire()
        try:
            answer = await self._exchange(request)
        except BaseException:
            self._slots.release()
            raise
        try:
            for hook in self._http.event_hooks["response"]:
                await hook(httpx.Response(answer.status_code, headers=answer.headers,
                                          request=request))  # fmt: skip
        except BaseException:
            await answer.aclose()
            raise
        return answer

    async def _exchange(self, request: httpx.Request) -> Answer:
        origin = (request.url.scheme, request.url.host, request.url.port or _default_port(request))
        wire = self._idle_wire(origin)
        if wire is not None:
            try:
                return await self._ask(wire, request, origin)
            except (EOFError, ConnectionError):
                if wire.unread or wire.lost is None:
                    raise _transport_error(EOFError(), request) from None
                # Closed while idle, before a byte of the answer: ask again on a new one.
        return await self._ask(await self._connect(origin, request), request, origin)

    async def _ask(self, wire: Wire, request: httpx.Request, origin: Origin) -> Answer:
        parser = h11.Connection(h11.CLIENT, max_incomplete_event_size=SPILL)
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in NOT_FORWARDED]
        headers.append((b"Accept-Encoding", b"identity"))
        ask = h11.Request(method=request.method, target=request.url.raw_path, headers=headers)
        data = parser.send(ask)
        assert wire.transport is not None and data is not None
        wire.transport.write(data)
        parser.send(h11.EndOfMessage())
        reused, wire.used = wire.used, True
        try:
            head = await _read_head(wire, parser)
        except (EOFError, ConnectionError):
            if reused and not wire.unread:
                raise  # the caller asks again on a new connection
            raise _transport_error(wire.lost or EOFError(), request) from None
        except Exception as exc:
            wire.abort()
            raise _transport_error(exc, request) from None
        return Answer(wire, head, parser, request, lambda w, keep: self._done(origin, w, keep))

    async def _connect(self, origin: Origin, request: httpx.Request) -> Wire:
        scheme, host, port = origin
        timeout = self._http.timeout
        context = self._context() if scheme == "https" else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout.connect):
                _, wire = await loop.create_connection(
                    lambda: Wire(timeout.read), host, port, ssl=context,
                    server_hostname=host if context is not None else None,
                )  # fmt: skip
        except TimeoutError:
            raise httpx.ConnectTimeout("the server did not accept a connection in time",
                                       request=request) from None  # fmt: skip
        except OSError as exc:  # ssl.SSLError included
            raise httpx.ConnectError(str(exc), request=request) from None
        return wire

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            if isinstance(self._verify, ssl.SSLContext):
                self._ssl = self._verify
            else:
                trust = self._http.trust_env
                self._ssl = httpx.create_ssl_context(verify=self._verify, trust_env=trust)
        return self._ssl

    def _idle_wire(self, origin: Origin) -> Wire | None:
        wires = self._idle.get(origin, [])
        while wires:
            wire = wires.pop()
            if wire.reusable and wire.transport is not None and not wire.transport.is_closing():
                return wire
            wire.abort()
        return None

    def _done(self, origin: Origin, wire: Wire, keep: bool) -> None:
        if keep:
            wire.idle()
            self._idle.setdefault(origin, []).append(wire)
        if self._slots is not None:
            self._slots.release()

    async def aclose(self) -> None:
        for wires in self._idle.values():
            for wire in wires:
                if wire.transport is not None:
                    wire.transport.close()
        self._idle.clear()


async def _read_head(wire: Wire, parser: h11.Connection) -> h11.Response:
    """The answer's head, parsed by h11 from exactly its bytes; what follows stays unread."""
    searched = 0
    while True:
        at = wire.spill.find(b"\r\n\r\n", max(wire.start, searched - 3), wire.end)
        if at < 0:
            if wire.start == 0 and wire.end == len(wire.spill):
                raise h11.RemoteProtocolError(f"an answer's head is over {SPILL // 1024} KiB")
            searched = wire.end - wire.start
            await wire.more()  # may move the unread bytes to the front of the spill buffer
            searched += wire.start
            continue
        parser.receive_data(wire.take(at + 4 - wire.start))
        searched = 0
        event = parser.next_event()
        if isinstance(event, h11.Response):
            return event
        if not isinstance(event, h11.InformationalResponse):  # 1xx: another head follows
            raise h11.RemoteProtocolError("the server did not answer with a head")


def _counted_length(head: h11.Response, headers: httpx.Headers) -> int | None:
    """The body's length when its Content-Length frames it (h11 checked the value), else None."""
    if "transfer-encoding" in headers or head.status_code in (204, 304):
        return None
    stated = headers.get("content-length")
    return int(stated) if stated is not None else None


def _default_port(request: httpx.Request) -> int:
    return 443 if request.url.scheme == "https" else 80


def _transport_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx error a failure corresponds to, with the cause in plain words."""
    if isinstance(exc, httpx.TransportError):
        exc.request = request
        return exc
    kind: type[httpx.TransportError]
    if isinstance(exc, EOFError | ConnectionResetError | h11.RemoteProtocolError):
        kind = httpx.RemoteProtocolError
        words = str(exc) if isinstance(exc, h11.RemoteProtocolError) else ""
        words = words or "the server closed the connection mid-answer"
    else:
        kind, words = httpx.ReadError, str(exc) or type(exc).__name__
    return kind(words, request=request)


def bulk_for(http: httpx.AsyncClient, kw: dict[str, Any]) -> BulkGets | None:
    """The bulk download pool for an httpx client made with keyword arguments ``kw``: None when
    they give it a transport or a proxy of its own, or the environment names a proxy for its
    server (downloads then go through httpx too)."""
    if any(kw.get(name) is not None for name in ("transport", "mounts", "proxy", "app")):
        return None
    url = http.base_url
    if url.scheme not in ("http", "https"):
        return None
    if http.trust_env and proxied(url):
        return None
    return BulkGets(http, kw.get("verify", True))


def proxied(url: httpx.URL) -> bool:
    """Whether the environment sends requests to ``url`` through a proxy."""
    if not ({url.scheme, "all"} & urllib.request.getproxies_environment().keys()):
        return False
    return not urllib.request.proxy_bypass(url.host)  # no_proxy, from the environment here
