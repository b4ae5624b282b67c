# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for shares between accounts: identities, the owner's shares, and members' access to the
shared folder (listings, content, and folder transactions for write members)."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from sealbox.protocol import models as m
from sealbox.protocol import routes
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.drive import listing_reply
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id
from sealbox.server.api.transfers import serve_content

router = APIRouter(tags=["shares"], responses=ERROR_RESPONSES)


@router.get(routes.USER_BUNDLE)
async def user_bundle(username: str, caller: CallerDep, svc: ServicesDep) -> m.UserBundle:
    return await svc.shares.bundle(username)


@router.post(routes.SHARES, status_code=201)
async def create_share(
    req: m.ShareCreateRequest, caller: CallerDep, svc: ServicesDep
) -> m.ShareView:
    return await svc.shares.create(caller.user_id, req)


@router.get(routes.SHARES)
async def list_shares(caller: CallerDep, svc: ServicesDep) -> m.ShareList:
    return await svc.shares.list(caller.user_id)


@router.get(routes.ROSTERS)
async def own_rosters(caller: CallerDep, svc: ServicesDep) -> m.RosterList:
    return await svc.shares.rosters(caller.user_id)


@router.put(routes.SHARE_ROSTER, status_code=204)
async def set_roster(
    folder_id: str, req: m.RosterUpdate, caller: CallerDep, svc: ServicesDep
) -> Response:
    await svc.shares.set_roster(caller.user_id, path_id(folder_id, "folder id"), req)
    return Response(status_code=204)


@router.put(routes.SHARE_ENVELOPE, status_code=204)
async def replace_envelope(
    share_id: str, req: m.EnvelopeUpdate, caller: CallerDep, svc: ServicesDep
) -> Response:
    await svc.shares.replace_envelope(caller.user_id, path_id(share_id, "share id"), req.envelope)
    return Response(status_code=204)


@router.delete(routes.SHARE, status_code=204)
async def remove_share(share_id: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.shares.remove(caller.user_id, path_id(share_id, "share id"))
    return Response(status_code=204)


@router.get(routes.SHARE_FOLDER, responses={200: {"content": {routes.LISTING_MEDIA_TYPE: {}}}})
async def share_folder(
    share_id: str, node_id: str, request: Request, caller: CallerDep, svc: ServicesDep
) -> Response:
    folder_id = path_id(node_id, "folder id")
    owner = await svc.shares.folder_owner(caller.user_id, path_id(share_id, "share id"), folder_id)
    return await listing_reply(svc, owner, folder_id, request)


@router.get(routes.SHARE_NODE)
async def share_node(
    share_id: str, node_id: str, caller: CallerDep, svc: ServicesDep
) -> m.NodeView:
    node = path_id(node_id, "node id")
    owner = await svc.shares.node_owner(caller.user_id, path_id(share_id, "share id"), node)
    return await svc.drive.node(owner, node)


async def _share_download(
    share_id: str, content_id: str, request: Request, caller: CallerDep, svc: ServicesDep
) -> Response:
    info = await svc.contents.readable_content(
        caller.user_id, path_id(content_id, "content id"), via_share=path_id(share_id, "share id")
    )
    return serve_content(info, request, svc)


@router.get(routes.SHARE_CONTENT, response_class=StreamingResponse)
async def share_download(
    share_id: str, content_id: str, request: Request, caller: CallerDep, svc: ServicesDep
) -> Response:
    return await _share_download(share_id, content_id, request, caller, svc)


@router.head(routes.SHARE_CONTENT, response_class=Response)
async def share_download_head(
    share_id: str, content_id: str, request: Request, caller: CallerDep, svc: ServicesDep
) -> Response:
    return await _share_download(share_id, content_id, request, caller, svc)


@router.post(routes.SHARE_UPLOADS)
async def share_open_upload(
    share_id: str, req: m.UploadOpenRequest, caller: CallerDep, svc: ServicesDep
) -> m.UploadView:
    """A write member opens an upload of their own for the shared folder: checked against the
    owner's quota, since the owner is charged once it is committed there."""
    share = await svc.shares.writable(caller.user_id, path_id(share_id, "share id"))
    return await svc.uploads.open(caller.user_id, req, payer=share.owner_id)


@router.post(routes.SHARE_TRANSACTIONS)
async def share_transaction(
    share_id: str, tx: m.TransactionRequest, caller: CallerDep, svc: ServicesDep
) -> m.TransactionResponse:
    share = await svc.shares.writable(caller.user_id, path_id(share_id, "share id"))
    outcome = await svc.transactions.apply(
        share.owner_id, tx, actor=caller.user_id, scope=share.folder_id
    )
    return m.TransactionResponse(
        seq=outcome.seq,
        manifest_versions={m.b64encode(k): v for k, v in outcome.manifest_versions.items()},
    )
