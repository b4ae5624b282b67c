# SPDX-License-Identifier: AGPL-3.0-or-later
"""One keep-alive connection of the bulk download pool (bulk_http.py), as the event loop sees it.

The receiving side is an ``asyncio.BufferedProtocol``: the loop asks it where to put the next
bytes (``get_buffer``) and then says how many arrived (``buffer_updated``). While a caller waits
in ``fill``, the answer is the rest of the caller's buffer, so the kernel receives straight into
it; otherwise a small spill buffer, and reading pauses when that is full. Nothing here parses
HTTP: bulk_http.py hands the head to h11 and counts the body.
"""

from __future__ import annotations

import asyncio
from typing import cast

import httpx

SPILL = 64 * 1024
"""Bytes a connection holds outside a caller's buffer: an answer's head (its bound too), or the
first bytes of a body that arrive before the caller asks for them."""


class Wire(asyncio.BufferedProtocol):
    """One connection's receiving side. While a caller waits in ``fill``, bytes arrive in its
    buffer; otherwise in ``spill``, and reading pauses when that is full."""

    def __init__(self, read_timeout: float | None) -> None:
        self.transport: asyncio.Transport | None = None
        self.spill = bytearray(SPILL)
        self.start = self.end = 0  # the unread bytes are spill[start:end]
        self.lost: Exception | None = None  # why the connection ended; EOF is an error too
        self.used = False  # whether an answer was read over it before
        self._read_timeout = read_timeout
        self._target: memoryview | None = None
        self._filled = 0
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self._received = 0
        self._timer: asyncio.TimerHandle | None = None
        self._dropping = False

    # The transport's side ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._target is not None:
            return self._target[self._filled :]
        if self.end == len(self.spill):  # a transport that read on while paused
            self._end_with(httpx.RemoteProtocolError("the server sent more than was read"))
            self._dropping = True  # received and dropped: the connection is ended
            return memoryview(bytearray(SPILL))
        return memoryview(self.spill)[self.end :]

    def buffer_updated(self, nbytes: int) -> None:
        self._received += nbytes
        if self._dropping:
            self._dropping = False
        elif self._target is not None:
            self._filled += nbytes
            if self._filled == len(self._target):
                self._target = None
                self._pause()
                self._wake()
        else:
            self.end += nbytes
            if self.end == len(self.spill):
                self._pause()
            self._wake()

    def eof_received(self) -> bool:
        self._end_with(EOFError())
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_with(exc if exc is not None else EOFError())

    # The reader's side ------------------------------------------------------------------------

    @property
    def unread(self) -> int:
        return self.end - self.start

    def take(self, most: int) -> bytes:
        """Up to ``most`` of the bytes received into the spill buffer, as they were received."""
        n = min(most, self.unread)
        piece = bytes(self.spill[self.start : self.start + n])
        self._consumed(n)
        return piece

    async def more(self) -> None:
        """Wait until more bytes are in the spill buffer; raise if the connection ended."""
        if self.end == len(self.spill):  # room for more: move what is unread to the front
            self.spill[: self.unread] = self.spill[self.start : self.end]
            self.start, self.end = 0, self.unread
        if self.lost is not None:
            raise self.lost
        await self._wait()

    async def fill(self, target: memoryview) -> int:
        """Receive into all of ``target``; returns less only when the connection ended."""
        n = min(len(target), self.unread)
        target[:n] = self.spill[self.start : self.start + n]
        self._consumed(n)
        if n == len(target) or self.lost is not None:
            return n
        self._target, self._filled = target, n
        try:
            await self._wait()
        finally:
            if self._target is not None:  # cancelled or failed: never write into it later
                self._target = None
                self.abort()
        return self._filled

    def idle(self) -> None:
        """Read on while waiting in the pool: a close, or bytes nobody asked for, show at once."""
        self._resume()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
        if self.lost is None:
            self.lost = httpx.ReadError("the download was interrupted")

    @property
    def reusable(self) -> bool:
        return self.lost is None and self.unread == 0 and self._target is None

    def _consumed(self, n: int) -> None:
        self.start += n
        if self.start == self.end:
            self.start = self.end = 0

    async def _wait(self) -> None:
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        self._resume()
        if self._read_timeout is not None:
            self._watch(loop, self._received)
        try:
            await waiter
        finally:
            self._waiter = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _watch(self, loop: asyncio.AbstractEventLoop, seen: int) -> None:
        """Fail the wait if nothing at all arrives for the read timeout: one timer a wait (and
        one more each read timeout while bytes come), not one a received piece."""
        assert self._read_timeout is not None

        def check() -> None:
            if self._received != seen:
                self._watch(loop, self._received)
                return
            self._timer = None
            self._end_with(httpx.ReadTimeout("the server stopped sending"))
            self.abort()

        self._timer = loop.call_later(self._read_timeout, check)

    def _end_with(self, exc: Exception) -> None:
        if self.lost is None:
            self.lost = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self.lost is not None and self._target is None and self.unread == 0:
                waiter.set_exception(self.lost)
            else:
                waiter.set_result(None)

    def _pause(self) -> None:
        if not self._paused and self.transport is not None and not self.transport.is_closing():
            self._paused = True
            self.transport.pause_reading()

    def _resume(self) -> None:
        if self._paused and self.transport is not None and not self.transport.is_closing():
            self._paused = False
            self.transport.resume_reading()
