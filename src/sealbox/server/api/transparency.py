# SPDX-License-Identifier: AGPL-3.0-or-later
"""The transparency log's public routes (spec/transparency.md §Routes): the latest signed
checkpoint, entries by range, inclusion and consistency proofs, and the log key. No
authentication: anyone may check the log, and nothing in it is personal."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from sealbox.protocol import routes
from sealbox.protocol import transparency as t
from sealbox.server.api.auth import ServicesDep
from sealbox.server.api.errors import ERROR_RESPONSES

router = APIRouter(tags=["transparency"], responses=ERROR_RESPONSES)
Count = Annotated[int, Query(ge=0, le=2**63 - 1)]


@router.get(routes.TRANSPARENCY_CHECKPOINT, response_class=PlainTextResponse)
async def checkpoint(svc: ServicesDep) -> PlainTextResponse:
    """The latest checkpoint, a C2SP signed note: origin, size and root, signed by the log key."""
    note = await run_in_threadpool(svc.compliance.log.checkpoint)
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8")


@router.get(routes.TRANSPARENCY_ENTRIES)
async def entries(svc: ServicesDep, start: Count, end: Count) -> t.EntryRange:
    """Entries ``start`` ≤ i < ``end`` (at most 1,000; ``end`` past the log is clipped)."""
    found = await run_in_threadpool(svc.compliance.log.entries, start, end)
    return t.EntryRange(start=start, entries=found)


@router.get(routes.TRANSPARENCY_INCLUSION)
async def inclusion(svc: ServicesDep, index: Count, size: Count) -> t.InclusionProof:
    """The audit path of entry ``index`` in the tree of the first ``size`` entries."""
    path = await run_in_threadpool(svc.compliance.log.inclusion, index, size)
    return t.InclusionProof(index=index, size=size, path=path)


@router.get(routes.TRANSPARENCY_CONSISTENCY)
async def consistency(
    svc: ServicesDep,
    old: Annotated[int, Query(alias="from", ge=0, le=2**63 - 1)],
    to: Count,
) -> t.ConsistencyProof:
    """That the tree of the first ``from`` entries is a prefix of the tree of ``to``."""
    proof = await run_in_threadpool(svc.compliance.log.consistency, old, to)
    return t.ConsistencyProof.model_validate({"from": old, "to": to, "proof": proof})


@router.get(routes.TRANSPARENCY_KEY)
async def key(svc: ServicesDep) -> t.LogKey:
    """The log's verifier key, for display: a client checks checkpoints against the key it
    pinned, never against this answer."""
    text = await run_in_threadpool(svc.compliance.log.key_text)
    return t.LogKey(origin=svc.compliance.log.origin, key=text)
