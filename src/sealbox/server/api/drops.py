# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for drop links: the owner's (session) and the anonymous uploader's (the drop id alone).

The uploader's routes can open an upload, send chunks and deliver the sealed file; none of them
lists or returns anything stored.
"""

from fastapi import APIRouter, Request, Response

from sealbox.protocol import models as m
from sealbox.protocol import routes
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id
from sealbox.server.api.transfers import CHUNK_BODY, ChunkIndex, receive_chunk

router = APIRouter(tags=["drops"], responses=ERROR_RESPONSES)


@router.post(routes.DROPS, status_code=201)
async def create_drop(req: m.DropCreateRequest, caller: CallerDep, svc: ServicesDep) -> m.DropView:
    return await svc.drops.create(caller.user_id, req)


@router.get(routes.DROPS)
async def list_drops(caller: CallerDep, svc: ServicesDep) -> m.DropList:
    return await svc.drops.list_drops(caller.user_id)


@router.delete(routes.DROP, status_code=204)
async def delete_drop(drop_id: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.drops.remove(caller.user_id, path_id(drop_id, "drop id"))
    return Response(status_code=204)


@router.put(routes.DROP_KEY, status_code=204)
async def rewrap_drop(
    drop_id: str, req: m.DropKeyUpdate, caller: CallerDep, svc: ServicesDep
) -> Response:
    await svc.drops.rewrap(caller.user_id, path_id(drop_id, "drop id"), req.key_wrap)
    return Response(status_code=204)


@router.get(routes.DROP_FILES)
async def dropped_files(drop_id: str, caller: CallerDep, svc: ServicesDep) -> m.DroppedFileList:
    return await svc.drops.files(caller.user_id, path_id(drop_id, "drop id"))


@router.delete(routes.DROP_FILE, status_code=204)
async def reject_dropped(
    drop_id: str, content_id: str, caller: CallerDep, svc: ServicesDep
) -> Response:
    content = path_id(content_id, "content id")
    await svc.drops.reject(caller.user_id, path_id(drop_id, "drop id"), content)
    return Response(status_code=204)


@router.post(routes.DROP_UPLOADS)
async def open_drop_upload(
    drop_id: str, req: m.UploadOpenRequest, svc: ServicesDep
) -> m.UploadView:
    owner = await svc.drops.owner(path_id(drop_id, "drop id"))
    return await svc.uploads.open(owner, req)


@router.put(routes.DROP_UPLOAD_CHUNK, openapi_extra=CHUNK_BODY)
async def put_drop_chunk(
    drop_id: str, content_id: str, index: ChunkIndex, request: Request, svc: ServicesDep
) -> m.ChunkReceipt:
    owner = await svc.drops.owner(path_id(drop_id, "drop id"))
    return await receive_chunk(owner, content_id, index, request, svc)


@router.post(routes.DROP_FILES, status_code=204)
async def deliver(drop_id: str, req: m.DropDelivery, svc: ServicesDep) -> Response:
    await svc.drops.deliver(path_id(drop_id, "drop id"), req)
    return Response(status_code=204)
