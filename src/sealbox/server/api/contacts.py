# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for contacts: invite another account by username, accept or decline an invitation,
remove a contact, and list all three states (spec/http-api.md §11.2)."""

from fastapi import APIRouter, Response

from sealbox.protocol import models as m
from sealbox.protocol import routes
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.errors import ERROR_RESPONSES

router = APIRouter(tags=["contacts"], responses=ERROR_RESPONSES)


@router.post(routes.CONTACTS, status_code=204)
async def invite(req: m.ContactInvite, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.contacts.invite(caller.user_id, req.username)
    return Response(status_code=204)


@router.get(routes.CONTACTS)
async def list_contacts(caller: CallerDep, svc: ServicesDep) -> m.ContactList:
    return await svc.contacts.list(caller.user_id)


@router.post(routes.CONTACT_ACCEPT, status_code=204)
async def accept(username: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.contacts.accept(caller.user_id, username)
    return Response(status_code=204)


@router.post(routes.CONTACT_DECLINE, status_code=204)
async def decline(username: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.contacts.decline(caller.user_id, username)
    return Response(status_code=204)


@router.delete(routes.CONTACT, status_code=204)
async def remove(username: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.contacts.remove(caller.user_id, username)
    return Response(status_code=204)
