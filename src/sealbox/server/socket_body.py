# SPDX-License-Identifier: AGPL-3.0-or-later
"""A request body read from the socket straight into the application's buffer.

uvicorn hands a request body to the application as ASGI messages: the event loop reads up to
256 KiB from the socket into new bytes, httptools calls back with each piece, uvicorn appends it
to a bytearray (pausing and resuming the socket around a 64 KiB mark) and copies it out again as
bytes for each ``receive``, and the application gathers the pieces into its own buffer. On a
chunk upload that was about 1.2 CPU s per GB in user space (docs/benchmarks.md, "Chunk bodies
into the write buffer (stop 33)").

``SocketBody.readinto`` is offered to the application as the scope extension ``READ_INTO`` when a
request is framed by its Content-Length on a plain TCP connection (docs/decisions/2008). It fills
the caller's buffer with what uvicorn already holds of the body, then with ``recv_into`` on the
socket itself, never past the Content-Length, so the body's bytes are copied once, by the kernel,
into the buffer the blob store writes from.

What keeps the connection's framing right:
- while the body is read from the socket, the transport's own reading is paused, and the
  request parser (which did not see those bytes) is marked out of step; once the last byte has
  been read, a fresh parser takes over for the next request on the connection;
- should anything make the transport read while the parser is out of step (the application
  answered without reading the whole body, then uvicorn resumed reading), the connection is
  closed instead: bytes of a body are never parsed as a request;
- a peer that goes away mid-body raises ``ConnectionResetError``.
"""

import asyncio
import os
import socket
from typing import TYPE_CHECKING, Any

from sealbox.server.socket_ready import readable

if TYPE_CHECKING:
    from sealbox.server.zero_copy_http import ZeroCopyHttpProtocol

READ_INTO = "sealbox.request.readinto"


def framed_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The body's length when the request is framed by one Content-Length and nothing else."""
    lengths = [value for name, value in headers if name == b"content-length"]
    if len(lengths) != 1 or any(name == b"transfer-encoding" for name, _ in headers):
        return None
    value = lengths[0].strip()
    return int(value) if value.isdigit() else None


class SocketBody:
    """The body of one request; ``parsed`` counts what the request parser delivered of it."""

    def __init__(self, protocol: "ZeroCopyHttpProtocol", length: int) -> None:
        self._protocol = protocol
        self.cycle: Any = None  # uvicorn's RequestResponseCycle, set once the protocol made it
        self._length = length
        self.parsed = 0  # body bytes the parser passed to uvicorn (counted by the protocol)
        self._direct = 0  # body bytes read from the socket here
        self._sock: socket.socket | None = None

    @property
    def _unread(self) -> int:
        return self._length - self.parsed - self._direct

    async def readinto(self, buffer: memoryview) -> int:
        """Fill the start of ``buffer`` with the body's next bytes: how many, 0 at its end."""
        cycle = self.cycle
        while True:
            if cycle.waiting_for_100_continue and not cycle.transport.is_closing():
                cycle.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                cycle.waiting_for_100_continue = False
            if cycle.body:
                taken = min(len(cycle.body), len(buffer))
                buffer[:taken] = cycle.body[:taken]
                del cycle.body[:taken]
                return taken
            if not cycle.more_body:
                return 0
            if cycle.disconnected or cycle.response_complete:
                raise ConnectionResetError("the client went away before the body's end")
            if not buffer:
                return 0
            if self._protocol.cycle is cycle and self._unread > 0:
                return await self._receive(buffer[: self._unread])
            # Not this parser's request (cannot happen while its body is unfinished) or nothing
            # left unparsed: wait for uvicorn's own path, as its ``receive`` does.
            cycle.flow.resume_reading()
            await cycle.message_event.wait()
            cycle.message_event.clear()

    async def _receive(self, buffer: memoryview) -> int:
        protocol, cycle = self._protocol, self.cycle
        if self._sock is None:
            fd = protocol.socket_fd()
            if fd is None:
                raise ConnectionResetError("the client went away before the body's end")
            # Our own descriptor: should the transport close the original meanwhile, its number
            # could come to name another connection's socket.
            self._sock = socket.socket(fileno=os.dup(fd))
        cycle.flow.pause_reading()
        protocol.parser_out_of_step = True
        received = await _recv_some(self._sock, buffer, cycle.transport)
        self._direct += received
        if not self._unread:
            cycle.more_body = False
            protocol.body_read_directly()
            self.close()
        return received

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


async def _recv_some(sock: socket.socket, buffer: memoryview, transport: Any) -> int:
    """At least one byte into ``buffer`` from the non-blocking socket, as many as are there."""
    loop = asyncio.get_running_loop()
    while True:
        if transport.is_closing():
            raise ConnectionResetError("the client went away before the body's end")
        try:
            received = sock.recv_into(buffer)
        except BlockingIOError:
            await readable(loop, sock.fileno())
            continue
        if received == 0:
            raise ConnectionResetError("the client closed the connection before the body's end")
        return received
