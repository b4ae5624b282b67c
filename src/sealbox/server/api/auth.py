# SPDX-License-Identifier: AGPL-3.0-or-later
"""The session dependency: every authenticated route takes a ``Caller``."""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from sealbox.protocol import routes
from sealbox.protocol.errors import ErrorCode
from sealbox.server.db.engine import Connection
from sealbox.server.errors import ServiceError
from sealbox.server.services.accounts import Caller
from sealbox.server.services.registry import Services

T = TypeVar("T")


def registry_of(request: Request) -> Services:
    registry: Services = request.app.state.services
    return registry


async def services(request: Request) -> Services:
    """The dependency: a coroutine, since FastAPI runs a plain function in a worker thread, a
    hop that cost each request more CPU than the lookup itself."""
    return registry_of(request)


# What a suspended or closed account may still do besides reading (spec/compliance.md §6): see
# why, export its files (reads), counter-notify, appeal and sign out.
RESTRICTED_WRITES = frozenset(
    {routes.APPEALS, routes.NOTICE_COUNTER, routes.SESSION, routes.SESSIONS_REVOKE_OTHERS}
)


async def current_caller(request: Request) -> Caller:
    caller, _ = await caller_and_read(request, _read_nothing)
    return caller


async def caller_and_read(
    request: Request, read: Callable[[Connection, bytes], T]
) -> tuple[Caller, T]:
    """The request's caller and ``read(conn, user_id)``, in one transaction and one worker-thread
    hop (``AccountService.authenticate_and_read``): what a chunk upload checks of its upload
    comes with its authentication."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ServiceError(
            ErrorCode.UNAUTHORIZED,
            "missing or invalid session token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    template = getattr(request.scope.get("route"), "path", "")
    writes = request.method not in ("GET", "HEAD") and template not in RESTRICTED_WRITES
    accounts = registry_of(request).accounts
    return await run_in_threadpool(accounts.authenticate_and_read, token.strip(), writes, read)


def _read_nothing(_conn: Connection, _user_id: bytes) -> None:
    return None


CallerDep = Annotated[Caller, Depends(current_caller)]
ServicesDep = Annotated[Services, Depends(services)]
