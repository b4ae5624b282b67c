# SPDX-License-Identifier: AGPL-3.0-or-later
"""The session dependency: every authenticated route takes a ``Caller``."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from sealbox.protocol.errors import ErrorCode
from sealbox.server.errors import ServiceError
from sealbox.server.services.accounts import Caller
from sealbox.server.services.registry import Services


def services(request: Request) -> Services:
    registry: Services = request.app.state.services
    return registry


async def current_caller(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ServiceError(
            ErrorCode.UNAUTHORIZED,
            "missing or invalid session token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await run_in_threadpool(services(request).accounts.authenticate, token.strip())


CallerDep = Annotated[Caller, Depends(current_caller)]
ServicesDep = Annotated[Services, Depends(services)]
