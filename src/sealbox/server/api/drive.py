# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for the drive: the folder transaction, listings, nodes, versions and the change feed."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from sealbox.protocol import limits, routes
from sealbox.protocol import models as m
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id
from sealbox.server.services.registry import Services

router = APIRouter(tags=["drive"], responses=ERROR_RESPONSES)


@router.post(routes.TRANSACTIONS)
async def transaction(
    tx: m.TransactionRequest, caller: CallerDep, svc: ServicesDep
) -> m.TransactionResponse:
    outcome = await svc.transactions.apply(caller.user_id, tx)
    return m.TransactionResponse(
        seq=outcome.seq,
        manifest_versions={m.b64encode(k): v for k, v in outcome.manifest_versions.items()},
    )


# Children up to which a listing is sent as one body rather than piece by piece.
SMALL_LISTING = 256


@router.get(
    routes.FOLDER,
    responses={200: {"content": {routes.LISTING_MEDIA_TYPE: {}}}},
)
async def folder(node_id: str, request: Request, caller: CallerDep, svc: ServicesDep) -> Response:
    return await listing_reply(svc, caller.user_id, path_id(node_id, "folder id"), request)


async def listing_reply(
    svc: Services,
    owner: bytes,
    folder_id: bytes,
    request: Request,
    headers: dict[str, str] | None = None,
) -> Response:
    """The folder listing of ``owner``'s folder in the framing the client asked for: binary
    (SBL1, framed by the service as it reads the rows) or JSON."""
    if routes.LISTING_MEDIA_TYPE in request.headers.get("accept", ""):
        framed = await svc.drive.framed_listing(owner, folder_id)
        headers = _listing_headers(framed.manifest_version, headers)
        if framed.count <= SMALL_LISTING:
            body = b"".join([piece async for piece in framed.pieces])
            return Response(body, media_type=routes.LISTING_MEDIA_TYPE, headers=headers)
        return StreamingResponse(
            framed.pieces, media_type=routes.LISTING_MEDIA_TYPE, headers=headers
        )
    found = await svc.drive.listing(owner, folder_id)
    headers = _listing_headers(found.folder.manifest_version, headers)
    as_json = found.json().model_dump_json()
    return Response(as_json, media_type="application/json", headers=headers)


def _listing_headers(version: int, extra: dict[str, str] | None) -> dict[str, str]:
    return {"ETag": f'"{version}"', "Vary": "Accept", **(extra or {})}


@router.get(routes.NODE)
async def node(node_id: str, caller: CallerDep, svc: ServicesDep) -> m.NodeView:
    return await svc.drive.node(caller.user_id, path_id(node_id, "node id"))


@router.get(routes.NODE_VERSIONS)
async def node_versions(node_id: str, caller: CallerDep, svc: ServicesDep) -> m.VersionList:
    return await svc.drive.versions(caller.user_id, path_id(node_id, "node id"))


@router.delete(routes.NODE_VERSION, status_code=204)
async def remove_node_version(
    node_id: str,
    version: Annotated[int, Path(ge=0, le=2**64 - 1)],
    caller: CallerDep,
    svc: ServicesDep,
) -> Response:
    await svc.drive.remove_version(caller.user_id, path_id(node_id, "node id"), version)
    return Response(status_code=204)


@router.get(routes.FEED)
async def change_feed(
    caller: CallerDep,
    svc: ServicesDep,
    cursor: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    wait: Annotated[float, Query(ge=0, le=limits.MAX_FEED_WAIT_SECONDS)] = 0,
    limit: Annotated[int, Query(ge=1, le=limits.MAX_FEED_PAGE)] = limits.MAX_FEED_PAGE,
) -> m.FeedPage:
    return await svc.feed.page(caller.user_id, cursor, wait, limit)
