# SPDX-License-Identifier: AGPL-3.0-or-later
"""uvicorn's HTTP/1.1 protocol (httptools), with bulk bytes kept out of Python where it can.

On plain TCP connections (not TLS, whose bytes must pass through user space) it offers two
extensions in each request's scope, and takes uvicorn's own code path for everything else:
- ``http.response.zerocopysend`` (the ASGI extension): a file's bytes go to the socket with
  ``sendfile`` (``sendfile_http.py``, docs/decisions/2007);
- ``sealbox.request.readinto``, for a request framed by its Content-Length: the body is read from
  the socket into the application's own buffer (``socket_body.py``, docs/decisions/2008).
"""

import asyncio
from collections.abc import Mapping
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from sealbox.server.sendfile_http import ZERO_COPY_SEND, socket_fd, with_zero_copy
from sealbox.server.socket_body import READ_INTO, SocketBody, framed_length

App = Any


class ZeroCopyHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus ``http.response.zerocopysend`` and
    ``sealbox.request.readinto`` on plain TCP."""

    zero_copy = False
    # True while a body is read from the socket behind the parser's back: the parser must not
    # see another byte of this connection until a fresh one replaces it.
    parser_out_of_step = False
    _body: SocketBody | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.zero_copy = self.scheme == "http" and socket_fd(transport) is not None

    def socket_fd(self) -> int | None:
        return None if self.transport.is_closing() else socket_fd(self.transport)

    def data_received(self, data: bytes) -> None:
        if self.parser_out_of_step:
            # Part of a body read (or left unread) behind the parser's back: never parse it.
            if self.cycle is not None:
                self.cycle.keep_alive = False
            self.transport.close()
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._body = None
        if self.zero_copy:
            self.scope["extensions"] = {ZERO_COPY_SEND: {}}

    def on_headers_complete(self) -> None:
        # The extension goes in before uvicorn starts the application (inside the call below).
        length = framed_length(self.headers) if self.zero_copy else None
        if length:
            self._body = SocketBody(self, length)
            self.scope.setdefault("extensions", {})[READ_INTO] = {"readinto": self._body.readinto}
        super().on_headers_complete()
        if self._body is not None:
            self._body.cycle = self.cycle

    def on_body(self, body: bytes) -> None:
        if self._body is not None:
            self._body.parsed += len(body)
        super().on_body(body)

    def body_read_directly(self) -> None:
        """The current request's body has been read from the socket to its end: a fresh parser
        takes the connection's next request."""
        self._body = None
        self.parser = httptools.HttpRequestParser(self)
        self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        self.parser_out_of_step = False
        self.flow.resume_reading()

    def on_response_complete(self) -> None:
        if self.parser_out_of_step:
            # Answered before the body's end: what is left of it would be parsed as a request.
            self.transport.close()
        super().on_response_complete()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: App) -> None:
        extensions: Mapping[str, Any] = cycle.scope.get("extensions") or {}
        if ZERO_COPY_SEND in extensions:
            app = with_zero_copy(app, cycle)
        body = extensions.get(READ_INTO)
        if body is not None:
            app = _closing_body(app, body["readinto"].__self__)  # the bound method's SocketBody
        super()._start_asgi_task(cycle, app)


def _closing_body(app: App, body: SocketBody) -> App:
    """``app``, after which the body's own socket descriptor is closed, however it ended."""

    async def app_then_close(scope: Any, receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        finally:
            body.close()

    return app_then_close
