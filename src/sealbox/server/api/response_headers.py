# SPDX-License-Identifier: AGPL-3.0-or-later
"""Headers on every response that keep a browser from running anything the server sends.

The server delivers no code: no HTML pages, no scripts, no interactive API explorer. These headers
make that hold even if a response is mistaken for a page (threat catalogue A20): a browser that
renders one runs no script, loads nothing, cannot be framed and does not guess a content type.
The web client's pages and assets (api/web.py), and only their successful answers, get the
client policy of spec/web-client.md instead.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sealbox.server.api.web import CLIENT_HEADERS, is_client_route

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class ResponseHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        client_route = is_client_route(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                client = client_route and message["status"] < 400
                for name, value in (CLIENT_HEADERS if client else SECURITY_HEADERS).items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
