# SPDX-License-Identifier: AGPL-3.0-or-later
"""The batch content download: many small content objects in one answer (spec/http-api.md §6.4)."""

from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from sealbox.protocol import content_batch as cb
from sealbox.protocol import limits, routes
from sealbox.protocol import models as m
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.services.contents import ContentInfo
from sealbox.server.services.registry import Services

router = APIRouter(tags=["transfers"], responses=ERROR_RESPONSES)


def plan(infos: list[ContentInfo | None]) -> list[int]:
    """Each item's status: included while the answer stays within its bound, omitted past it."""
    statuses, total = [], 0
    for info in infos:
        if info is None:
            statuses.append(cb.NOT_FOUND)
        elif info.size > limits.MAX_BATCH_OBJECT or total + info.size > limits.MAX_BATCH_BYTES:
            statuses.append(cb.OMITTED)
        else:
            statuses.append(cb.INCLUDED)
            total += info.size
    return statuses


# The answer goes out in pieces of about this size, not one piece per item: each piece costs a
# send here and a chunk to parse on the client, which for 4 KiB files cost more than the bytes.
PIECE_BYTES = 256 * 1024


async def _answer(
    ids: list[bytes], infos: list[ContentInfo | None], statuses: list[int], svc: Services
) -> AsyncIterator[bytes]:
    included = [i for i, s in zip(infos, statuses, strict=True) if i and s == cb.INCLUDED]
    objects = iter(await svc.contents.read_whole(included))
    parts, size = [cb.MAGIC], len(cb.MAGIC)
    for content_id, info, status in zip(ids, infos, statuses, strict=True):
        if status != cb.INCLUDED:
            parts.append(cb.item_head(content_id, status, 0))
        else:
            assert info is not None
            parts += (cb.item_head(content_id, status, info.size), next(objects))
            size += info.size
        if size >= PIECE_BYTES:
            yield b"".join(parts)
            parts, size = [], 0
    if parts:
        yield b"".join(parts)


@router.post(
    routes.CONTENTS_BATCH,
    response_class=StreamingResponse,
    responses={200: {"content": {routes.CONTENTS_MEDIA_TYPE: {}}}},
)
async def contents_batch(
    body: m.ContentBatchRequest, caller: CallerDep, svc: ServicesDep
) -> StreamingResponse:
    ids = list(body.content_ids)
    infos = await svc.contents.readable_contents(caller.user_id, ids)
    statuses = plan(infos)
    sent = sum(
        info.size for info, s in zip(infos, statuses, strict=True) if info and s == cb.INCLUDED
    )
    svc.metrics.content_requests.inc()
    svc.metrics.content_bytes_sent.inc(sent)
    return StreamingResponse(
        _answer(ids, infos, statuses, svc), media_type=routes.CONTENTS_MEDIA_TYPE
    )
