# SPDX-License-Identifier: AGPL-3.0-or-later
"""Request body limits, enforced while the body streams in.

A declared Content-Length over the limit is refused before any byte is read; a body without one is
counted and cut off at the limit. Either way the client gets 413 ``body_too_large``.
"""

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sealbox.protocol import limits
from sealbox.protocol.errors import ErrorCode
from sealbox.server.api.errors import error_response

# Chunk uploads: the account's own, and anonymous ones through a drop link.
CHUNK_PATH = re.compile(r"^/v1/(drops/[^/]+/)?uploads/[^/]+/chunks/[^/]+$")
# Folder transactions: the account's own, and a write member's through a share.
TRANSACTION_PATH = re.compile(r"^/v1/(shares/[^/]+/)?transactions$")


def limit_for(path: str) -> int:
    if TRANSACTION_PATH.match(path):
        return limits.MAX_TRANSACTION_BODY
    if CHUNK_PATH.match(path):
        return limits.MAX_CHUNK_SIZE + limits.CHUNK_OVERHEAD
    return limits.MAX_JSON_BODY


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    response = error_response(
                        ErrorCode.BODY_TOO_LARGE if declared > limit else ErrorCode.BAD_REQUEST,
                        f"request body is limited to {limit} bytes"
                        if declared > limit
                        else "invalid Content-Length",
                    )
                    await response(scope, receive, send)
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, f"request body is limited to {limit} bytes")
            return message

        await self.app(scope, counted, send)
