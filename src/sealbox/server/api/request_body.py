# SPDX-License-Identifier: AGPL-3.0-or-later
"""A chunk's request body, as the blob store takes it: a stream of bytes, and, where the ASGI
server offers ``sealbox.request.readinto`` (``server/zero_copy_http.py``, docs/decisions/2008),
a way to fill the store's own write buffer from the socket with no copy in Python."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request

READ_INTO = "sealbox.request.readinto"

ReadInto = Callable[[memoryview], Awaitable[int]]


class RequestBody:
    """Iterate it for the body's pieces, or, when ``readinto`` is not None, call it to fill a
    buffer (0 at the end). One or the other, once."""

    def __init__(self, request: Request) -> None:
        self._request = request
        offered: Any = (request.scope.get("extensions") or {}).get(READ_INTO)
        self._fill: ReadInto | None = None if offered is None else offered["readinto"]
        self.readinto: ReadInto | None = None if self._fill is None else self._readinto

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._request.stream().__aiter__()

    async def _readinto(self, buffer: memoryview) -> int:
        assert self._fill is not None
        try:
            return await self._fill(buffer)
        except ConnectionError as exc:
            raise ClientDisconnect() from exc
