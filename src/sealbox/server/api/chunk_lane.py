# SPDX-License-Identifier: AGPL-3.0-or-later
"""The account's chunk PUT, served below the framework's routing and dependency injection.

A 1 GiB upload is 256 chunk requests, and what each request costs the server before a byte moves
was most of its CPU per GB (docs/benchmarks.md, "A cheaper chunk request"): FastAPI's router walks
every included router, solves the route's parameters and dependencies, and validates and encodes
the receipt through its response model, about a third of a chunk request's Python.

``ChunkLane`` sits inside the other middlewares (metrics, response headers, body limits), so a
chunk request is counted, limited and answered with the same headers as before. It recognises
``PUT /v1/uploads/{content_id}/chunks/{index}`` with an index in range and calls the route's own
function (``transfers.put_chunk``, still registered with FastAPI, so the OpenAPI document and any
request the lane does not take are unchanged). Errors go to the application's own exception
handlers, as Starlette's exception middleware would send them; anything without a handler
propagates to the server-error middleware exactly as before.
"""

import re

from fastapi import FastAPI, Response
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from sealbox.protocol import limits, routes
from sealbox.server.api import transfers
from sealbox.server.api.auth import registry_of
from sealbox.server.api.transfers import put_chunk

# Starlette has decoded the path; an index of up to eight digits (MAX_CHUNK_COUNT is 2^24) is
# checked against the limit below, anything else goes to the router and its usual 422.
UPLOAD_CHUNK_PATH = re.compile(r"/v1/uploads/([^/]+)/chunks/([0-9]{1,8})")


def _registered_route() -> APIRoute:
    """The route as FastAPI registered it, so the scope names it as the router would: the request
    metrics and the restricted-account check read its template."""
    for route in transfers.router.routes:
        if isinstance(route, APIRoute) and route.path == routes.UPLOAD_CHUNK:
            if route.methods and "PUT" in route.methods:
                return route
    raise LookupError("the chunk PUT route is not registered")


CHUNK_ROUTE = _registered_route()


class ChunkLane:
    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self._api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "PUT":
            found = UPLOAD_CHUNK_PATH.fullmatch(scope["path"])
            if found is not None and int(found[2]) < limits.MAX_CHUNK_COUNT:
                await self._put(scope, receive, send, found[1], int(found[2]))
                return
        await self.app(scope, receive, send)

    async def _put(
        self, scope: Scope, receive: Receive, send: Send, content_id: str, index: int
    ) -> None:
        scope["route"] = CHUNK_ROUTE
        scope["path_params"] = {"content_id": content_id, "index": str(index)}
        request = Request(scope, receive)
        try:
            receipt = await put_chunk(content_id, index, request, registry_of(request))
            response = Response(receipt.model_dump_json(), media_type="application/json")
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    def _handler_for(self, exc: Exception):  # type: ignore[no-untyped-def]
        """The application's handler for ``exc`` as Starlette's exception middleware finds it
        (by the exception's class hierarchy); the catch-all ``Exception`` handler is the
        server-error middleware's, outside this lane, so it is left to that."""
        handlers = self._api.exception_handlers
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            if cls in handlers:
                return handlers[cls]
        return None
