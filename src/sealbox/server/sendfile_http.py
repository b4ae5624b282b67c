# SPDX-License-Identifier: AGPL-3.0-or-later
"""The ASGI zero-copy send extension, for uvicorn's HTTP/1.1 protocol (``zero_copy_http.py``).

uvicorn implements neither ``http.response.zerocopysend`` nor ``http.response.pathsend``, so every
byte of a download was read from its blob file into Python and written back out to the socket.
``ZeroCopyHttpProtocol`` offers the zero-copy extension on plain TCP connections, and this module
carries each ``http.response.zerocopysend`` message out with ``os.sendfile``: the kernel moves the
file's pages to the socket (docs/decisions/2007). Everything else is uvicorn's own code path.

How a message is sent, in order:
- it must belong to a started response framed by its Content-Length (not chunked, not HEAD), and
  fit in what that length still allows, or it raises like uvicorn does for a body too long;
- what uvicorn has already queued on the transport (the head, earlier body pieces) is sent first,
  so bytes leave in the order the application sent them;
- ``os.sendfile`` runs in a worker thread (a file not in the page cache must not block the event
  loop), on the socket's non-blocking descriptor; when the socket is full the event loop waits
  for it to be writable, through a duplicate of the descriptor (the transport owns the original);
- a file shorter than the message's count raises (the response is then cut short, and uvicorn
  closes the connection: the client sees a body shorter than its Content-Length, never bytes
  that are not the file's); a peer that went away ends the response quietly, as uvicorn's own
  ``send`` does.

TLS connections are not offered the extension: their bytes must pass through the TLS layer in
user space.
"""

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from anyio import to_thread
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from sealbox.server.socket_ready import writable

ZERO_COPY_SEND = "http.response.zerocopysend"

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Any, Any, Any], Awaitable[None]]


def socket_fd(transport: asyncio.BaseTransport) -> int | None:
    sock = transport.get_extra_info("socket")
    return None if sock is None else int(sock.fileno())


def with_zero_copy(app: App, cycle: RequestResponseCycle) -> App:
    """``app`` whose ``send`` carries out zero-copy messages itself and passes the rest on."""

    async def zero_copy_app(scope: Any, receive: Any, send: Send) -> None:
        async def send_or_sendfile(message: Message) -> None:
            if message["type"] != ZERO_COPY_SEND:
                await send(message)
                return
            await _send_file(cycle, message)
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await app(scope, receive, send_or_sendfile)

    return zero_copy_app


async def _send_file(cycle: RequestResponseCycle, message: Message) -> None:
    if cycle.disconnected:
        return
    if not cycle.response_started or cycle.response_complete:
        raise RuntimeError(f"'{ZERO_COPY_SEND}' sent outside a response body")
    if cycle.chunked_encoding or cycle.scope["method"] == "HEAD":
        raise RuntimeError(f"'{ZERO_COPY_SEND}' needs a response framed by its Content-Length")
    fd = message["file"].fileno()
    offset = message.get("offset") or 0
    count = message.get("count")
    if count is None:
        count = os.fstat(fd).st_size - offset
    if count > cycle.expected_content_length:
        raise RuntimeError("Response content longer than Content-Length")
    cycle.expected_content_length -= count
    transport = cycle.transport
    sock = socket_fd(transport)
    if sock is None or transport.is_closing():
        cycle.disconnected = True
        return
    # A descriptor of our own for the socket: should the transport close the original meanwhile,
    # its number could name another connection's socket by the time a worker thread uses it.
    own = os.dup(sock)
    try:
        await _sendfile_all(cycle, own, fd, offset, count)
    except (BrokenPipeError, ConnectionResetError):
        cycle.disconnected = True
        transport.close()
    finally:
        os.close(own)


async def _sendfile_all(
    cycle: RequestResponseCycle, sock: int, fd: int, offset: int, count: int
) -> None:
    transport = cycle.transport
    loop = asyncio.get_running_loop()
    while transport.get_write_buffer_size():
        # What uvicorn queued (the head, earlier pieces) leaves first.
        await writable(loop, sock)
        await asyncio.sleep(0)
    while count:
        if transport.is_closing():
            cycle.disconnected = True
            return
        sent = await to_thread.run_sync(_sendfile_some, sock, fd, offset, count)
        if sent is None:
            await writable(loop, sock)
            continue
        if sent == 0:
            raise RuntimeError("the file is shorter than the response says")
        offset += sent
        count -= sent


def _sendfile_some(sock: int, fd: int, offset: int, count: int) -> int | None:
    """Bytes moved from ``fd`` to the socket; None when the socket is full."""
    try:
        return os.sendfile(sock, fd, offset, count)
    except BlockingIOError:
        return None
