# SPDX-License-Identifier: AGPL-3.0-or-later
"""The session dependency: every authenticated route takes a ``Caller``."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from sealbox.protocol import routes
from sealbox.protocol.errors import ErrorCode
from sealbox.server.errors import ServiceError
from sealbox.server.services.accounts import Caller
from sealbox.server.services.registry import Services


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
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ServiceError(
            ErrorCode.UNAUTHORIZED,
            "missing or invalid session token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    registry = registry_of(request)
    caller = await run_in_threadpool(registry.accounts.authenticate, token.strip())
    route = request.scope.get("route")
    template = getattr(route, "path", "")
    if request.method not in ("GET", "HEAD") and template not in RESTRICTED_WRITES:
        await run_in_threadpool(registry.compliance.cases.refuse_restricted, caller.user_id)
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
ServicesDep = Annotated[Services, Depends(services)]
