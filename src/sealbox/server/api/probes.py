"""Probes for load balancers and orchestrators, the Prometheus scrape endpoint, and the source.

``/healthz`` says that the process answers and which code it runs; ``/readyz`` says whether this
server can do useful work now (its database and its blob store both answer), so that a load
balancer stops sending requests to a server whose dependencies are gone without restarting it.
``/v1/source`` hands out the code the server runs, as the AGPL asks of a server on a network.
"""

import contextlib
from collections.abc import Awaitable, Callable
from functools import partial

import anyio
from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import Engine, text

import sealbox
from sealbox.protocol import routes
from sealbox.protocol.errors import ErrorCode
from sealbox.server.api.auth import ServicesDep
from sealbox.server.api.errors import error_response
from sealbox.server.blobs.base import BlobStore
from sealbox.server.services.metrics import count_open_uploads
from sealbox.server.source import archive_name, source_archive

router = APIRouter(tags=["health"])

READY_TIMEOUT_SECONDS = 2.0
# A key no blob ever has: stat of it costs one round trip and proves the store answers.
PROBE_KEY = "readyz-probe"


def _ping_database(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def _database_answers(engine: Engine) -> bool:
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            # Abandoned on timeout: the thread finishes on its own, the probe answers in time.
            await to_thread.run_sync(partial(_ping_database, engine), abandon_on_cancel=True)
    except Exception:
        return False
    return True


async def _blobs_answer(blobs: BlobStore) -> bool:
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            await blobs.stat(PROBE_KEY)
    except Exception:
        return False
    return True


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
    results: dict[str, bool] = {}

    async def check(name: str, probe: Callable[[], Awaitable[bool]]) -> None:
        results[name] = await probe()

    # Both at once, so the probe answers within one timeout even when both are down.
    async with anyio.create_task_group() as group:
        group.start_soon(check, "database", partial(_database_answers, svc.engine))
        group.start_soon(check, "blob store", partial(_blobs_answer, svc.blobs))
    down = [name for name, ok in results.items() if not ok]
    if down:
        return error_response(ErrorCode.UNAVAILABLE, f"not ready: {' and '.join(down)} unavailable")
    return JSONResponse({"status": "ready"})


@router.get(routes.METRICS, response_class=PlainTextResponse)
async def metrics(svc: ServicesDep) -> PlainTextResponse:
    # A scrape still reports every other figure while the database is away; the gauge keeps its
    # last value and the request counters show the failures.
    with contextlib.suppress(Exception):
        svc.metrics.open_uploads.set(
            await to_thread.run_sync(partial(count_open_uploads, svc.engine))
        )
    return PlainTextResponse(
        svc.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
