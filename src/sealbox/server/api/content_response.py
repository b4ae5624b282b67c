# SPDX-License-Identifier: AGPL-3.0-or-later
"""The response that carries a content object's bytes.

Pieces held in memory (the content header, inline chunks) go out as ordinary ASGI body messages.
Chunks the blob store holds as files go out, where the ASGI server offers it, through the ASGI
zero-copy send extension (``http.response.zerocopysend``): the server hands the file to the kernel
with ``sendfile``, so a chunk's bytes go from the page cache to the socket without a read into
Python and a write back out (docs/decisions/2007). Where the extension is absent (another ASGI
server, TLS, a store without files), the same response streams bytes as before.
"""

from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

from starlette.responses import StreamingResponse
from starlette.types import Send

from sealbox.server.blobs.base import FileSpan

ZERO_COPY_SEND = "http.response.zerocopysend"


def offers_zero_copy(scope: Mapping[str, Any]) -> bool:
    """Whether the ASGI server that made ``scope`` takes ``http.response.zerocopysend``."""
    return ZERO_COPY_SEND in (scope.get("extensions") or {})


class ContentResponse(StreamingResponse):
    """A streamed response whose parts are bytes or open file spans; each span is closed once
    sent, or once the response stops short of it."""

    def __init__(
        self,
        parts: AsyncIterator[bytes | FileSpan],
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            cast(Any, parts),
            status_code=status_code,
            media_type="application/octet-stream",
            headers=headers,
        )

    async def stream_response(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        async for part in self.body_iterator:
            if isinstance(part, FileSpan):
                try:
                    await send(
                        {
                            "type": ZERO_COPY_SEND,
                            "file": part,
                            "offset": part.offset,
                            "count": part.count,
                            "more_body": True,
                        }
                    )
                finally:
                    part.close()
            else:
                await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
