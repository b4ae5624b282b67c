# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for public links: the owner's (with a session) and the visitor's (the link id alone).

A visitor's requests carry no session and no link key; the link id in the path is what authorises
them, and the service checks expiry, the download limit and revocation on every one.
"""

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from sealbox.protocol import models as m
from sealbox.protocol import routes
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.drive import listing_reply
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id
from sealbox.server.api.transfers import serve_content

router = APIRouter(tags=["links"], responses=ERROR_RESPONSES)


@router.post(routes.LINKS, status_code=201)
async def create_link(req: m.LinkCreateRequest, caller: CallerDep, svc: ServicesDep) -> m.LinkView:
    return await svc.links.create(caller.user_id, req)


@router.get(routes.LINKS)
async def list_links(caller: CallerDep, svc: ServicesDep) -> m.LinkList:
    return await svc.links.list(caller.user_id)


@router.delete(routes.LINK, status_code=204)
async def revoke_link(link_id: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.links.revoke(caller.user_id, path_id(link_id, "link id"))
    return Response(status_code=204)


@router.post(routes.LINK_OPEN)
async def open_link(link_id: str, svc: ServicesDep) -> Response:
    opened = await svc.links.open(path_id(link_id, "link id"))
    # Link responses are never cached by intermediaries: a revoked link must stop working at once.
    return Response(
        opened.model_dump_json(),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    routes.LINK_FOLDER,
    responses={200: {"content": {routes.LISTING_MEDIA_TYPE: {}}}},
)
async def link_folder(link_id: str, node_id: str, request: Request, svc: ServicesDep) -> Response:
    folder_id = path_id(node_id, "folder id")
    owner = await svc.links.folder_owner(path_id(link_id, "link id"), folder_id)
    return await listing_reply(svc, owner, folder_id, request, {"Cache-Control": "no-store"})


async def _link_download(
    link_id: str, content_id: str, request: Request, svc: ServicesDep
) -> Response:
    info = await svc.contents.readable_content(
        None, path_id(content_id, "content id"), via_link=path_id(link_id, "link id")
    )
    return serve_content(info, request, svc)


@router.get(routes.LINK_CONTENT, response_class=StreamingResponse)
async def link_download(
    link_id: str, content_id: str, request: Request, svc: ServicesDep
) -> Response:
    return await _link_download(link_id, content_id, request, svc)


@router.head(routes.LINK_CONTENT, response_class=Response)
async def link_download_head(
    link_id: str, content_id: str, request: Request, svc: ServicesDep
) -> Response:
    return await _link_download(link_id, content_id, request, svc)
