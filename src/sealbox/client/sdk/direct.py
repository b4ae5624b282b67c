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
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx

from sealbox.client.sdk.api import Api, pieces
from sealbox.protocol import limits
from sealbox.protocol import models as m

# Store errors after which one fresh URL is tried: an expired URL answers 403.
_REFRESH = {400, 401, 403}


class DirectUnavailable(Exception):
    """The direct route failed; the caller sends or fetches this chunk through the server."""


def _checked(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https"):
        raise DirectUnavailable(f"not an http(s) URL: {url[:40]!r}")
    return url


def store_client(api: Api) -> httpx.AsyncClient:
    """The HTTP client for store URLs: the API's deadline, none of its headers or cookies."""
    return httpx.AsyncClient(timeout=httpx.Timeout(api.deadline, connect=10.0))


class DirectUploads:
    """Sends one upload's chunks to the store through presigned PUT URLs, fetched in batches as
    the workers need them, and then asks the server to record the ones the store holds."""

    def __init__(self, api: Api, store: httpx.AsyncClient, content_id: bytes) -> None:
        self._api, self._store, self._content_id = api, store, content_id
        self._urls: dict[int, str] = {}
        self._lock = asyncio.Lock()
        self.sent: list[int] = []
        self.broken = False

    async def _url(self, index: int, order: list[int], fresh: bool = False) -> str:
        async with self._lock:
            if fresh or index not in self._urls:
                at = order.index(index) if index in order else 0
                batch = order[at : at + limits.MAX_DIRECT_CHUNKS] if not fresh else [index]
                puts = await self._api.direct_puts(self._content_id, batch or [index])
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
        except (httpx.TransportError, DirectUnavailable, TimeoutError):
            pass
        self.broken = True
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


class DirectDownloads:
    """Fetches one content's chunks from the store through presigned GET URLs."""

    def __init__(self, api: Api, store: httpx.AsyncClient, content_id: bytes) -> None:
        self._api, self._store, self._content_id = api, store, content_id
        self._urls: dict[int, str] = {}
        self._lock = asyncio.Lock()
        self.broken = False

    async def start(self) -> m.DirectGets | None:
        """The content's header, size and its first URLs; None if the server offers none."""
        try:
            gets = await self._api.direct_gets(self._content_id, 0, limits.MAX_DIRECT_CHUNKS)
        except Exception:  # any refusal (or no such route) means: use the server's routes
            self.broken = True
            return None
        self._urls.update({get.index: get.url for get in gets.chunks})
        return gets

    async def _url(self, index: int, fresh: bool) -> str:
        async with self._lock:
            if fresh or index not in self._urls:
                count = 1 if fresh else limits.MAX_DIRECT_CHUNKS
                gets = await self._api.direct_gets(self._content_id, index, count)
                self._urls.update({get.index: get.url for get in gets.chunks})
            if index not in self._urls:
                raise DirectUnavailable("the server gave no URL for this chunk")
            return _checked(self._urls[index])

    async def chunk(self, index: int) -> AsyncIterator[bytes] | None:
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
        except (httpx.TransportError, DirectUnavailable, TimeoutError):
            pass
        self.broken = True
        return None

    async def _read(self, response: httpx.Response) -> AsyncIterator[bytes]:
        try:
            async for piece in response.aiter_raw():
                await self._api.take(len(piece))
                yield piece
        finally:
            await response.aclose()
