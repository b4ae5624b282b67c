# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for the drive: the folder transaction, listings, nodes, versions and the change feed."""

from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from sealbox.protocol import limits, listing, routes
from sealbox.protocol import models as m
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id
from sealbox.server.services.drive import ListedFolder, ListedRow, Listing

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


# Children up to which a listing is framed whole on the event loop (about 0.1 ms of CPU) rather
# than streamed from a worker thread.
SMALL_LISTING = 256


def binary_listing(
    folder: ListedFolder,
    children: Sequence[ListedRow],
    removed: Sequence[listing.RemovedChild] = (),
) -> Iterator[bytes]:
    """The compact listing framing (spec/http-api.md, "Binary listing"), produced in pieces by
    the protocol's encoder. Each child is unpacked in the order of ``ListedNode``'s fields."""
    rows = (
        (node_id, node_type, content_id, size or 0, version or 0, record or b"")
        for node_id, _parent, node_type, record, content_id, version, size in children
    )
    return listing.iter_framed(
        folder.manifest_version, folder.manifest, len(children), rows, removed
    )


@router.get(
    routes.FOLDER,
    responses={200: {"content": {routes.LISTING_MEDIA_TYPE: {}}}},
)
async def folder(node_id: str, request: Request, caller: CallerDep, svc: ServicesDep) -> Response:
    found = await svc.drive.listing(caller.user_id, path_id(node_id, "folder id"))
    return listing_response(found, request)


def listing_response(
    found: Listing, request: Request, headers: dict[str, str] | None = None
) -> Response:
    """A folder listing in the framing the client asked for: binary (SBL1) or JSON."""
    headers = {"ETag": f'"{found.folder.manifest_version}"', "Vary": "Accept", **(headers or {})}
    if routes.LISTING_MEDIA_TYPE in request.headers.get("accept", ""):
        pieces = binary_listing(found.folder, found.children, found.removed)
        if len(found.children) <= SMALL_LISTING:
            # Framed here in one go: streaming moves each piece through a worker thread, a hop
            # that cost a small folder's listing more than framing it.
            framed = b"".join(pieces)
            return Response(framed, media_type=routes.LISTING_MEDIA_TYPE, headers=headers)
        return StreamingResponse(pieces, media_type=routes.LISTING_MEDIA_TYPE, headers=headers)
    body = found.json().model_dump_json()
    return Response(body, media_type="application/json", headers=headers)


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
