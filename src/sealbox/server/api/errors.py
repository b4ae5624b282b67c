# SPDX-License-Identifier: AGPL-3.0-or-later
"""One error shape for every failure: ``{"error": code, "message": text}``.

Messages never echo request bodies: they may hold auth keys.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from sealbox.protocol.errors import STATUS_OF, ErrorCode
from sealbox.protocol.models import ErrorBody
from sealbox.server.blobs.base import BlobStoreError
from sealbox.server.db.engine import DBAPIError, OperationalError
from sealbox.server.errors import ServiceError

log = logging.getLogger("sealbox.server")

# Documents the error body in the OpenAPI description of every route.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "Refused; see spec/http-api.md §2 for the codes"},
    "5XX": {"model": ErrorBody, "description": "Server error"},
}

RETRY_SOON = {"Retry-After": "2"}

CODE_OF_STATUS = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
    416: ErrorCode.RANGE_NOT_SATISFIABLE,
    422: ErrorCode.VALIDATION,
}


def error_response(
    code: ErrorCode,
    message: str,
    status: int | None = None,
    headers: dict[str, str] | None = None,
    details: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {**(details or {}), "error": code.value, "message": message},
        status_code=status or STATUS_OF[code],
        headers=headers,
    )


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.code, exc.message, headers=exc.headers, details=exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(ErrorCode.VALIDATION, _describe(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODE_OF_STATUS.get(exc.status_code, ErrorCode.BAD_REQUEST)
        message = exc.detail if isinstance(exc.detail, str) else code.value
        headers = dict(exc.headers) if exc.headers else None
        return error_response(code, message, status=exc.status_code, headers=headers)

    @app.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _exc: ClientDisconnect) -> JSONResponse:
        # Nobody is left to read this; it is not a server error worth a stack trace.
        return error_response(ErrorCode.BAD_REQUEST, "client disconnected")

    @app.exception_handler(BlobStoreError)
    async def _blobs_down(_request: Request, exc: BlobStoreError) -> JSONResponse:
        # The store failed after its own retries; the client's retry is the next safe step.
        log.warning("blob store unavailable: %s", type(exc).__name__)
        return error_response(
            ErrorCode.UNAVAILABLE, "storage is unavailable; retry later", headers=RETRY_SOON
        )

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        # A lost connection (database restarted, connection killed) rolled the transaction back;
        # the pool discards the connection and pre-pings the next one, so a retry can succeed.
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            log.warning("database unavailable: %s", type(exc.orig).__name__)
            return error_response(
                ErrorCode.UNAVAILABLE, "database is unavailable; retry later", headers=RETRY_SOON
            )
        log.error("unexpected database error", exc_info=exc)
        return error_response(ErrorCode.INTERNAL, "internal server error")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return error_response(ErrorCode.INTERNAL, "internal server error")
