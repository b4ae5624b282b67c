# SPDX-License-Identifier: AGPL-3.0-or-later
"""Content downloads over aiohttp, whose HTTP parser is C (llhttp).

Receiving a GB through httpx (h11 parses in Python, httpcore reads 64 KiB at a time) cost this
project's machine about 1.8 CPU seconds against about 1.0 through aiohttp, for the same ranged
requests to the same server (docs/decisions/2002-bulk-http-client.md). Every other call, chunk
uploads included (no gain left once aiohttp's import is paid), stays on httpx.

``BulkGets`` belongs to one ``Http`` client (api.py, still the SDK's one transport injection
point) and copies its settings: the connect and read timeouts, the connection limit, TLS trust
(httpx's own SSL context), proxies from the environment, and the debug log hooks. A client given
its own transport (the tests' in-process server) or proxy has none, and downloads through httpx.
Failures are raised as httpx's transport errors, so everything above maps them as before.
"""

from __future__ import annotations

import importlib.util
import ssl
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Protocol

import httpx

if TYPE_CHECKING:  # imported on the first download: most commands never need it
    import aiohttp

NOT_FORWARDED = frozenset({"host", "connection", "accept-encoding", "content-length"})


class StreamedResponse(Protocol):
    """What Api reads of a streamed answer, from httpx or from here."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> httpx.Headers: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class BulkGets:
    """A pool of aiohttp connections for GETs of content, opened on the first one."""

    def __init__(self, http: httpx.AsyncClient, verify: ssl.SSLContext | str | bool) -> None:
        self._http = http
        self._verify = verify
        self._session: aiohttp.ClientSession | None = None

    @property
    def opened(self) -> bool:
        """Whether the pool is open (aiohttp imported and its first connection made)."""
        return self._session is not None

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        if self._session is None:
            timeout = self._http.timeout
            https = self._http.base_url.scheme == "https"
            connector = aiohttp.TCPConnector(limit=16, ssl=self._ssl() if https else False)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(sock_connect=timeout.connect, sock_read=timeout.read),
                auto_decompress=False,  # sealed bytes do not compress; identity is asked for
                trust_env=self._http.trust_env,
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    def _ssl(self) -> ssl.SSLContext:
        if isinstance(self._verify, ssl.SSLContext):
            return self._verify
        return httpx.create_ssl_context(verify=self._verify, trust_env=self._http.trust_env)

    async def send(self, request: httpx.Request) -> StreamedResponse:
        """Send a GET built by the httpx client and return its answer, its body unread."""
        for hook in self._http.event_hooks["request"]:
            await hook(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED}
        headers["Accept-Encoding"] = "identity"
        import aiohttp

        try:
            response = await self._open().get(
                str(request.url), headers=headers, allow_redirects=False
            )
        except aiohttp.ClientError as exc:
            raise _transport_error(exc, request) from None
        streamed = _Streamed(response, request)
        for hook in self._http.event_hooks["response"]:
            await hook(httpx.Response(streamed.status_code, headers=streamed.headers,
                                      request=request))  # fmt: skip
        return streamed

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


class _Streamed:
    """An aiohttp answer as Api reads it: status, httpx headers and the body's pieces."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        self.status_code = response.status
        self.headers = httpx.Headers(list(response.raw_headers))

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        import aiohttp

        # One received piece at a time, as aiohttp buffered it: ``readany`` would join all
        # the pieces buffered meanwhile into new bytes, a copy of most of a download's bytes
        # (counted: 1,387 joins of about 700 KiB in a 1 GiB get) before the chunk buffer's own.
        content = self._response.content
        try:
            while True:
                piece, boundary = await content.readchunk()
                if piece:
                    yield piece
                elif not boundary:  # (b"", True) ends a chunk of a chunked body, (b"", False) all
                    return
        except aiohttp.ClientError as exc:
            raise _transport_error(exc, self._request) from None

    async def aclose(self) -> None:
        self._response.release()  # back to the pool if read to its end, else closed


def _transport_error(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    """The httpx error an aiohttp failure corresponds to, with the cause in plain words."""
    import aiohttp

    kind: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ServerTimeoutError):
        kind, words = httpx.ReadTimeout, "the server stopped sending"
    elif isinstance(exc, aiohttp.ClientConnectorError):
        kind, words = httpx.ConnectError, str(exc.os_error)
    elif isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        kind, words = httpx.RemoteProtocolError, "the server closed the connection mid-answer"
    else:
        kind, words = httpx.ReadError, str(exc) or type(exc).__name__
    return kind(words, request=request)


def bulk_for(http: httpx.AsyncClient, kw: dict[str, Any]) -> BulkGets | None:
    """The bulk download pool for an httpx client made with keyword arguments ``kw``: None when
    they give it a transport or a proxy of its own (downloads then go through it too), or when
    aiohttp is not installed."""
    if any(kw.get(name) is not None for name in ("transport", "mounts", "proxy", "app")):
        return None
    if http.base_url.scheme not in ("http", "https"):
        return None
    if importlib.util.find_spec("aiohttp") is None:
        return None
    return BulkGets(http, kw.get("verify", True))
