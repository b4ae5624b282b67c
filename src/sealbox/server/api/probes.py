# SPDX-License-Identifier: AGPL-3.0-or-later
"""Probes for load balancers and orchestrators, the Prometheus scrape endpoint, and the source.

``/healthz`` says that the process answers and which code it runs; ``/readyz`` says whether this
server can do useful work now (its database and its blob store both answer), so that a load
balancer stops sending requests to a server whose dependencies are gone without restarting it.
``/v1/source`` hands out the code the server runs, as the AGPL asks of a server on a network.
"""

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response

import sealbox
from sealbox.protocol import routes
from sealbox.protocol.errors import ErrorCode
from sealbox.server.api.auth import ServicesDep
from sealbox.server.api.errors import error_response
from sealbox.server.services import health
from sealbox.server.source import archive_name, source_archive

router = APIRouter(tags=["health"])


@router.get(routes.HEALTHZ)
async def healthz() -> dict[str, str]:
    """Says the process answers, and which code it runs: its version, its licence and where its
    users get its source (AGPL-3.0 §13)."""
    return {
        "status": "ok",
        "version": sealbox.__version__,
        "license": sealbox.LICENSE,
        "source": routes.SOURCE,
    }


@router.get(routes.SOURCE, response_class=Response)
async def source() -> Response:
    """The corresponding source of this server: a tar.gz of the code the process runs."""
    data = await to_thread.run_sync(source_archive)
    return Response(
        data,
        media_type="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{archive_name()}"'},
    )


@router.get(routes.READYZ)
async def readyz(svc: ServicesDep) -> JSONResponse:
    down = await health.unavailable(svc.engine, svc.blobs, svc.metrics.blob_store_failed)
    if down:
        return error_response(ErrorCode.UNAVAILABLE, f"not ready: {' and '.join(down)} unavailable")
    return JSONResponse({"status": "ready"})


@router.get(routes.METRICS, response_class=PlainTextResponse)
async def metrics(svc: ServicesDep) -> PlainTextResponse:
    return PlainTextResponse(
        await health.scrape(svc.engine, svc.metrics),
        media_type="text/plain; version=0.0.4; charset=utf-8",
    )
