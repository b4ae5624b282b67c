# SPDX-License-Identifier: AGPL-3.0-or-later
"""Direct transfers (spec/http-api.md §6.6): chunks go to and come from the object store through
short-lived URLs the server presigns, so the server carries no chunk bytes.

Nothing here is trusted more than the server's own answers: every downloaded chunk is opened and
verified exactly as a proxied one is (transfers.py), and a URL is only ever a place to fetch bytes
from. No session token or other header of the API's is ever sent to a URL. When the store cannot
be reached (or refuses a URL twice), the transfer falls back to the server's own routes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

import httpx

from sealbox.client.sdk.api import Api, pieces
from sealbox.client.sdk.errors import SealboxError
from sealbox.crypto.errors import IntegrityError
from sealbox.protocol import limits

# Store errors after which one fresh URL is tried: an expired URL answers 403.
_REFRESH = {400, 401, 403}


# Failures after which a transfer stops trying the store; an unreachable store stops it at once.
STRIKES = 3


class DirectUnavailable(Exception):
    """The direct route failed; the caller sends or fetches this chunk through the server."""


class _Route:
    """Whether a transfer still tries the store: a store that cannot be connected to, or a
    server that gives no URL, ends it at once; other failures (a 5xx, a reset) only after
    ``STRIKES`` of them, each chunk concerned going through the server meanwhile."""

    def __init__(self) -> None:
        self.broken = False
        self._strikes = 0

    def failed(self, error: BaseException | None = None) -> None:
        self._strikes += 1
        final = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | DirectUnavailable)
        if final or self._strikes >= STRIKES:
            self.broken = True


def _checked(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https"):
        raise DirectUnavailable(f"not an http(s) URL: {url[:40]!r}")
    return url


def store_client(api: Api) -> httpx.AsyncClient:
    """The HTTP client for store URLs: the API's deadline, none of its headers or cookies."""
    return httpx.AsyncClient(timeout=httpx.Timeout(api.deadline, connect=10.0))


class DirectUploads(_Route):
    """Sends one upload's chunks to the store through presigned PUT URLs, fetched in batches as
    the workers need them, and then asks the server to record the ones the store holds."""

    def __init__(self, api: Api, store: httpx.AsyncClient, content_id: bytes) -> None:
        super().__init__()
        self._api, self._store, self._content_id = api, store, content_id
        self._urls: dict[int, str] = {}
        self._lock = asyncio.Lock()
        self.sent: list[int] = []

    async def _url(self, index: int, order: list[int], fresh: bool = False) -> str:
        async with self._lock:
            if fresh or index not in self._urls:
                at = order.index(index) if index in order else 0
                batch = order[at : at + limits.MAX_DIRECT_CHUNKS] if not fresh else [index]
                try:
                    puts = await self._api.direct_puts(self._content_id, batch or [index])
                except (SealboxError, IntegrityError) as exc:
                    raise DirectUnavailable(str(exc)) from exc
                self._urls.update({put.index: _checked(put.url) for put in puts.chunks})
            if index not in self._urls:
                raise DirectUnavailable("the server gave no URL for this chunk")
            return self._urls.pop(index)

    async def put(self, index: int, data: memoryview, order: list[int]) -> bool:
        """Store one sealed chunk in the store; False when the caller must send it through the
        server instead (the store is unreachable, or refused a fresh URL too)."""
        if self.broken:
            return False
        try:
            for fresh in (False, True):
                status = await self._send(await self._url(index, order, fresh), data)
                # 412: the chunk is already there (a resumed run); the server checks its size.
                if status in (200, 201, 204, 412):
                    self.sent.append(index)
                    return True
                if status not in _REFRESH:
                    break
        except (httpx.TransportError, DirectUnavailable, TimeoutError) as error:
            self.failed(error)
            return False
        self.failed()
        return False

    async def _send(self, url: str, data: memoryview) -> int:
        await self._api.take(len(data))
        headers = {"Content-Length": str(len(data)), "If-None-Match": "*"}
        async with asyncio.timeout(self._api.deadline):
            response = await self._store.put(url, content=pieces(data), headers=headers)  # type: ignore[arg-type]
        return response.status_code

    async def confirm(self) -> set[int]:
        """Ask the server to record every chunk sent; returns the chunks it now holds."""
        present: set[int] = set()
        sent = sorted(set(self.sent))
        for at in range(0, len(sent), limits.MAX_DIRECT_CHUNKS):
            view = await self._api.confirm_stored(
                self._content_id, sent[at : at + limits.MAX_DIRECT_CHUNKS]
            )
            present.update(view.present)
        return present


class DirectDownloads(_Route):
    """Fetches one content's chunks from the store through presigned GET URLs."""

    def __init__(self, api: Api, store: httpx.AsyncClient, content_id: bytes) -> None:
        super().__init__()
        self._api, self._store, self._content_id = api, store, content_id
        self._urls: dict[int, str] = {}
        self._lock = asyncio.Lock()

    async def _url(self, index: int, fresh: bool) -> str:
        async with self._lock:
            if fresh or index not in self._urls:
                count = 1 if fresh else limits.MAX_DIRECT_CHUNKS
                try:
                    gets = await self._api.direct_gets(self._content_id, index, count)
                except (SealboxError, IntegrityError) as exc:
                    # Refused or garbled: the server's own route says what is wrong, if anything.
                    raise DirectUnavailable(str(exc)) from exc
                self._urls.update({get.index: get.url for get in gets.chunks})
            if index not in self._urls:
                raise DirectUnavailable("the server gave no URL for this chunk")
            return _checked(self._urls[index])

    async def span(
        self, span: list[int], take: Callable[[AsyncIterator[bytes], int], Awaitable[None]]
    ) -> list[int]:
        """Hand ``take`` each chunk of the span from the store while the store serves them;
        returns the rest, which the caller fetches through the server."""
        for at, index in enumerate(span):
            pieces = await self.chunk(index)
            if pieces is None:
                return span[at:]
            try:
                await take(pieces, index)
            except httpx.TransportError as error:
                # Broke off mid-chunk: this chunk and the rest come through the server.
                self.failed(error)
                return span[at:]
            finally:
                await pieces.aclose()
        return []

    async def chunk(self, index: int) -> AsyncGenerator[bytes, None] | None:
        """The chunk's bytes as they arrive, or None when it must come through the server."""
        if self.broken:
            return None
        try:
            for fresh in (False, True):
                url = await self._url(index, fresh)
                request = self._store.build_request("GET", url)
                async with asyncio.timeout(self._api.deadline):
                    response = await self._store.send(request, stream=True)
                if response.status_code == 200:
                    return self._read(response)
                await response.aclose()
                if response.status_code not in _REFRESH:
                    break
        except (httpx.TransportError, DirectUnavailable, TimeoutError) as error:
            self.failed(error)
            return None
        self.failed()
        return None

    async def _read(self, response: httpx.Response) -> AsyncGenerator[bytes, None]:
        try:
            async for piece in response.aiter_raw():
                await self._api.take(len(piece))
                yield piece
        finally:
            await response.aclose()
