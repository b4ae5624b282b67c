# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for accounts and sessions."""

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from sealbox.protocol import models as m
from sealbox.protocol import routes
from sealbox.protocol.errors import ErrorCode
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id
from sealbox.server.errors import ServiceError
from sealbox.server.services.accounts import Caller
from sealbox.server.services.registry import Services

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES)
P = ParamSpec("P")
T = TypeVar("T")


def _address(request: Request) -> str:
    # Used only as the in-memory throttle key, hashed under a key that changes daily.
    return request.client.host if request.client else "unknown"


@router.post(routes.ACCOUNTS, status_code=201)
async def signup(req: m.SignupRequest, svc: ServicesDep) -> m.SignupResponse:
    return await run_in_threadpool(svc.accounts.signup, req)


@router.post(routes.PRELOGIN)
async def prelogin(req: m.PreloginRequest, svc: ServicesDep) -> m.PreloginResponse:
    return await run_in_threadpool(svc.accounts.prelogin, req.username)


def _by_name(username: str) -> str:
    """The throttle's name for the account a username-based attempt tries (not validated here:
    a malformed name fails in the service, and is counted like any other)."""
    return "name:" + username.strip().lower()


def _by_id(caller: Caller) -> str:
    return "id:" + caller.user_id.hex()


async def _throttled(
    request: Request,
    svc: Services,
    account: str,
    call: Callable[P, T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    address = _address(request)
    svc.throttle.check(address, account)
    try:
        return await run_in_threadpool(call, *args, **kwargs)
    except ServiceError as exc:
        if exc.code == ErrorCode.BAD_CREDENTIALS:
            svc.throttle.failed(address, account)
        raise


@router.post(routes.SESSIONS, status_code=201)
async def login(req: m.LoginRequest, request: Request, svc: ServicesDep) -> m.LoginResponse:
    return await _throttled(request, svc, _by_name(req.username), svc.accounts.login, req)


@router.get(routes.SESSIONS)
async def list_sessions(caller: CallerDep, svc: ServicesDep) -> m.SessionList:
    return await run_in_threadpool(svc.accounts.list_sessions, caller)


@router.put(routes.SESSION_DEVICE, status_code=204)
async def name_session(
    session_id: str, req: m.SessionDevice, caller: CallerDep, svc: ServicesDep
) -> Response:
    sid = path_id(session_id, "session id")
    await run_in_threadpool(svc.accounts.name_session, caller, sid, req.device)
    return Response(status_code=204)


@router.post(routes.SESSIONS_REVOKE_OTHERS)
async def revoke_others(caller: CallerDep, svc: ServicesDep) -> m.RevokedCount:
    return await run_in_threadpool(svc.accounts.revoke_others, caller)


@router.delete(routes.SESSION, status_code=204)
async def revoke(session_id: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await run_in_threadpool(svc.accounts.revoke, caller, path_id(session_id, "session id"))
    return Response(status_code=204)


@router.get(routes.ACCOUNT)
async def account(caller: CallerDep, svc: ServicesDep) -> m.AccountView:
    return await run_in_threadpool(svc.accounts.account, caller)


@router.post(routes.ACCOUNT_PASSWORD)
async def change_password(
    req: m.PasswordChangeRequest, request: Request, caller: CallerDep, svc: ServicesDep
) -> m.RevokedCount:
    return await _throttled(request, svc, _by_id(caller), svc.accounts.change_password, caller, req)


@router.post(routes.RECOVERY)
async def recovery(
    req: m.RecoveryRequest, request: Request, svc: ServicesDep
) -> m.RecoveryResponse:
    return await _throttled(request, svc, _by_name(req.username), svc.accounts.recovery, req)


@router.post(routes.RECOVERY_RESET)
async def recovery_reset(
    req: m.RecoveryResetRequest, request: Request, svc: ServicesDep
) -> m.RevokedCount:
    return await _throttled(request, svc, _by_name(req.username), svc.accounts.recovery_reset, req)


@router.get(routes.ACCOUNT_EXPORT)
async def export_account(caller: CallerDep, svc: ServicesDep) -> m.AccountExport:
    """Everything the server holds about the caller (docs/data-inventory.md)."""
    package = await svc.disclosure.own_copy(caller.user_id)
    return m.AccountExport(manifest=package.manifest, data=package.data)


@router.post(routes.ACCOUNT_DELETE, status_code=204)
async def delete_account(
    req: m.AccountDeleteRequest, request: Request, caller: CallerDep, svc: ServicesDep
) -> Response:
    address, account = _address(request), _by_id(caller)
    svc.throttle.check(address, account)
    try:
        await svc.accounts.close(caller, req.auth_key)
    except ServiceError as exc:
        if exc.code == ErrorCode.BAD_CREDENTIALS:
            svc.throttle.failed(address, account)
        raise
    return Response(status_code=204)
