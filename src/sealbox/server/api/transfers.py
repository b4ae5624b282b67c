# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for uploads (chunked, resumable) and downloads (ranged, streamed)."""

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse

from sealbox.protocol import limits, routes
from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.api.auth import CallerDep, ServicesDep, caller_and_read
from sealbox.server.api.content_response import ContentResponse, offers_zero_copy
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id
from sealbox.server.api.request_body import RequestBody
from sealbox.server.db.engine import Connection
from sealbox.server.errors import ServiceError
from sealbox.server.services.accounts import Caller
from sealbox.server.services.contents import ContentInfo
from sealbox.server.services.direct_transfers import DirectTransfers
from sealbox.server.services.registry import Services
from sealbox.server.services.uploads import ChunkState, chunk_state

router = APIRouter(tags=["transfers"], responses=ERROR_RESPONSES)

ChunkIndex = Annotated[int, Path(ge=0, lt=limits.MAX_CHUNK_COUNT)]
SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# A chunk's body is raw bytes, streamed; the OpenAPI document says so.
CHUNK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(routes.UPLOADS)
async def open_upload(
    req: m.UploadOpenRequest, caller: CallerDep, svc: ServicesDep
) -> m.UploadView:
    return await svc.uploads.open(caller.user_id, req)


@router.get(routes.UPLOAD)
async def upload_status(content_id: str, caller: CallerDep, svc: ServicesDep) -> m.UploadView:
    return await svc.uploads.status(caller.user_id, path_id(content_id, "content id"))


@router.put(routes.UPLOAD_CHUNK, openapi_extra=CHUNK_BODY)
async def put_chunk(
    content_id: str, index: ChunkIndex, request: Request, svc: ServicesDep
) -> m.ChunkReceipt:
    # The caller and the chunk's state in one transaction and one hop to a worker thread: a
    # chunk request's fixed cost is a large part of what a 4 MiB chunk costs the server
    # (docs/benchmarks.md, "A cheaper chunk request").
    def state(conn: Connection, user_id: bytes) -> ChunkState:
        return chunk_state(conn, user_id, path_id(content_id, "content id"), index)

    caller, found = await caller_and_read(request, state)
    return await receive_chunk(caller.user_id, content_id, index, request, svc, found)


async def receive_chunk(
    owner: bytes,
    content_id: str,
    index: int,
    request: Request,
    svc: Services,
    state: ChunkState | None = None,
) -> m.ChunkReceipt:
    """Stream a chunk's body into ``owner``'s upload: the account's own route and a drop's."""
    declared = request.headers.get("content-length")
    return await svc.uploads.put_chunk(
        owner,
        path_id(content_id, "content id"),
        index,
        RequestBody(request),
        declared_length=int(declared) if declared is not None else None,
        state=state,
    )


@router.post(routes.UPLOAD_DIRECT)
async def direct_puts(
    content_id: str, req: m.ChunkIndexes, caller: CallerDep, svc: ServicesDep
) -> m.DirectPuts:
    """Presigned PUT URLs for chunks of an upload (spec/http-api.md §6.6)."""
    cid = path_id(content_id, "content id")
    return await _direct(svc).puts(caller.user_id, cid, req.indexes)


@router.post(routes.UPLOAD_STORED)
async def confirm_stored(
    content_id: str, req: m.ChunkIndexes, caller: CallerDep, svc: ServicesDep
) -> m.UploadView:
    """Record chunks the client stored through direct URLs, once the store shows them."""
    cid = path_id(content_id, "content id")
    return await _direct(svc).confirm(caller.user_id, cid, req.indexes)


@router.post(routes.CONTENT_DIRECT)
async def direct_gets(
    content_id: str, req: m.ChunkSpan, caller: CallerDep, svc: ServicesDep
) -> m.DirectGets:
    """Presigned GET URLs for chunks of a readable content (spec/http-api.md §6.6)."""
    direct = _direct(svc)
    info = await svc.contents.readable_content(caller.user_id, path_id(content_id, "content id"))
    return direct.gets(info.content_id, info.header, info.layout, req)


def _direct(svc: Services) -> DirectTransfers:
    if svc.uploads.direct is None:
        raise ServiceError(
            ErrorCode.INVALID_STATE,
            "this server does not offer direct transfers: send chunks through the API",
        )
    return svc.uploads.direct


@router.delete(routes.UPLOAD, status_code=204)
async def abort_upload(content_id: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.uploads.abort(caller.user_id, path_id(content_id, "content id"))
    return Response(status_code=204)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single byte range asked for, as [start, end); None to send the whole object.

    Multiple ranges and unparseable headers are ignored (RFC 9110 allows that); a well-formed range
    that lies outside the object is refused with 416.
    """
    if header is None:
        return None
    match = SINGLE_RANGE.match(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":
        suffix = int(last)
        if suffix == 0:
            raise _unsatisfiable(size)
        return max(0, size - suffix), size
    start = int(first)
    end = size if last == "" else min(int(last) + 1, size)
    if start >= size or (last != "" and int(last) < start):
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> ServiceError:
    return ServiceError(
        ErrorCode.RANGE_NOT_SATISFIABLE,
        f"range outside the content's {size} bytes",
        headers={"Content-Range": f"bytes */{size}"},
    )


def _etag(content_id: bytes) -> str:
    # Content objects never change under their id, so the id is a strong validator.
    return f'"{m.b64encode(content_id)}"'


@router.get(routes.CONTENT, response_class=StreamingResponse)
async def download(
    content_id: str, request: Request, caller: CallerDep, svc: ServicesDep
) -> Response:
    return await _download(content_id, request, caller, svc)


@router.head(routes.CONTENT, response_class=Response)
async def download_head(
    content_id: str, request: Request, caller: CallerDep, svc: ServicesDep
) -> Response:
    return await _download(content_id, request, caller, svc)


async def _download(content_id: str, request: Request, caller: Caller, svc: Services) -> Response:
    info = await svc.contents.readable_content(caller.user_id, path_id(content_id, "content id"))
    response = serve_content(info, request, svc)
    if svc.uploads.direct is not None:
        # The capability, where a client first learns of an object's chunks (§6.6).
        response.headers[routes.DIRECT_HEADER] = "1"
    return response


def serve_content(info: ContentInfo, request: Request, svc: Services) -> Response:
    """The content object, whole or one range, with validators (spec/http-api.md §6.3)."""
    etag = _etag(info.content_id)
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000, immutable",
    }
    if request.headers.get("if-none-match") in (etag, "*"):
        return Response(status_code=304, headers=headers)
    wanted = parse_range(request.headers.get("range"), info.size)
    if request.headers.get("if-range") not in (None, etag):
        wanted = None
    start, end = wanted if wanted is not None else (0, info.size)
    headers["Content-Length"] = str(end - start)
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    svc.metrics.content_requests.inc()
    svc.metrics.content_bytes_sent.inc(end - start)
    as_files = svc.contents.serves_files and offers_zero_copy(request.scope)
    return ContentResponse(
        svc.contents.stream(info, start, end, as_files=as_files),
        status_code=status,
        headers=headers,
    )


@router.get(routes.CONTENT_CHUNK, response_class=StreamingResponse)
async def download_chunk(
    content_id: str, index: ChunkIndex, request: Request, caller: CallerDep, svc: ServicesDep
) -> Response:
    info = await svc.contents.readable_content(caller.user_id, path_id(content_id, "content id"))
    if index >= info.layout.chunk_count:
        raise ServiceError(ErrorCode.NOT_FOUND, "chunk not found")
    svc.metrics.content_requests.inc()
    svc.metrics.content_bytes_sent.inc(info.layout.chunk_length(index))
    as_files = svc.contents.serves_files and offers_zero_copy(request.scope)
    return ContentResponse(
        svc.contents.chunk(info, index, as_files=as_files),
        headers={
            "Content-Length": str(info.layout.chunk_length(index)),
            "ETag": f'"{m.b64encode(info.content_id)}.{index}"',
        },
    )
