# SPDX-License-Identifier: AGPL-3.0-or-later
"""The application factory: settings in, a wired FastAPI app out."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

import sealbox
from sealbox.protocol import models as m
from sealbox.protocol import routes
from sealbox.server.api import (
    accounts,
    admin,
    contacts,
    content_batch,
    drive,
    drops,
    links,
    notices,
    probes,
    shares,
    transfers,
    transparency,
    web,
)
from sealbox.server.api.body_limit import BodyLimitMiddleware
from sealbox.server.api.chunk_lane import ChunkLane
from sealbox.server.api.errors import install_error_handlers
from sealbox.server.api.request_metrics import RequestMetricsMiddleware
from sealbox.server.api.response_headers import ResponseHeadersMiddleware
from sealbox.server.blobs.base import BlobStore
from sealbox.server.blobs.filesystem import FilesystemBlobStore
from sealbox.server.blobs.metered import MeteredBlobStore
from sealbox.server.blobs.url import open_blob_store
from sealbox.server.clock import Clock, SystemClock
from sealbox.server.db.engine import Engine, make_engine
from sealbox.server.db.migrate import upgrade
from sealbox.server.server_keys import ServerKeys, load_or_create_secret
from sealbox.server.services.accounts import AccountService
from sealbox.server.services.collector import Collector
from sealbox.server.services.compliance import build_compliance
from sealbox.server.services.contacts import ContactService
from sealbox.server.services.contents import ContentService
from sealbox.server.services.disclosure import DisclosureService
from sealbox.server.services.drive import DriveService
from sealbox.server.services.drops import DropService
from sealbox.server.services.feed import FeedService
from sealbox.server.services.links import LinkService
from sealbox.server.services.metrics import Metrics
from sealbox.server.services.registry import Services
from sealbox.server.services.retention import RetentionJob
from sealbox.server.services.shares import ShareService
from sealbox.server.services.throttle import LoginThrottle
from sealbox.server.services.transaction import TransactionService
from sealbox.server.services.transparency import SignerFactory
from sealbox.server.services.uploads import UploadService
from sealbox.server.settings import Settings

log = logging.getLogger("sealbox.server")


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    blobs: BlobStore | None = None,
    engine: Engine | None = None,
    migrate: bool = True,
    log_signer: SignerFactory | None = None,
) -> Services:
    """``log_signer`` makes the transparency log's signer from its seed (the entry point passes
    ``sealbox.crypto.notes.NoteSigner``: the server itself never imports crypto). The log's
    append is handed to every service that writes an entry (spec/transparency.md)."""
    clock = clock or SystemClock()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    if blobs is None:
        if settings.blobs_url:
            blobs = open_blob_store(settings.blobs_url)
        else:
            blobs = FilesystemBlobStore(settings.blob_dir)
    metrics = Metrics()
    # Every service sees the counting wrapper, so failures in requests and in background jobs
    # alike show up in sealbox_blob_store_errors.
    blobs = MeteredBlobStore(blobs, metrics.blob_store_failed)
    keys = ServerKeys(settings.secret or load_or_create_secret(settings.data_dir))
    collector = Collector(
        engine,
        blobs,
        clock,
        settings.upload_ttl_seconds,
        settings.session_idle_days,
        settings.deleted_blob_grace_days * 86_400,
    )
    uploads = UploadService(engine, blobs, clock, settings, metrics)
    link_service = LinkService(engine, clock)
    share_service = ShareService(engine)
    feed = FeedService(engine)
    compliance = build_compliance(
        engine,
        clock,
        settings.compliance,
        signer=log_signer(keys.log_seed) if log_signer is not None else None,
    )
    transparency = compliance.log.append
    retention = RetentionJob(
        engine, clock, settings, collector, compliance.cases, compliance.requests, transparency
    )
    return Services(
        settings=settings,
        engine=engine,
        blobs=blobs,
        clock=clock,
        accounts=AccountService(engine, keys, clock, settings, collector, transparency),
        uploads=uploads,
        drive=DriveService(engine, collector),
        transactions=TransactionService(engine, uploads, link_service, feed, collector, settings),
        contents=ContentService(engine, blobs, link_service, share_service),
        links=link_service,
        shares=share_service,
        contacts=ContactService(engine),
        drops=DropService(engine, clock, collector),
        feed=feed,
        collector=collector,
        throttle=LoginThrottle(
            clock, settings.login_failures_allowed, settings.login_window_seconds
        ),
        compliance=compliance,
        retention=retention,
        disclosure=DisclosureService(engine, clock, sealbox.__version__, transparency),
        metrics=metrics,
    )


async def _collect_forever(services: Services) -> None:
    while True:
        await asyncio.sleep(services.settings.collect_interval_seconds)
        try:
            # Collection and every retention rule, under the job lease (services/retention.py).
            await services.retention.run()
            # Counter-noticed content whose restore window has opened (spec/compliance.md §4.2).
            await asyncio.to_thread(services.compliance.cases.restore_due, "restoration-timer")
            # The daily census and the warrant canary of the transparency log, when due.
            await asyncio.to_thread(services.compliance.log_jobs.run)
        except Exception:
            # A failed run is retried at the next interval; the server keeps serving meanwhile.
            log.exception("background collection failed")


def _loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A lost connection in a task nobody awaits (the S3 client's body writer, when the store
    goes away mid-request) is an expected outage, already answered with 503: log it as one line,
    not as a traceback. Anything else keeps asyncio's full report."""
    exc = context.get("exception")
    if isinstance(exc, ConnectionError):
        log.warning("connection lost in a background task: %s", type(exc).__name__)
        return
    loop.default_exception_handler(context)


def create_app(services: Services, *, background_jobs: bool = True) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        asyncio.get_running_loop().set_exception_handler(_loop_exception)
        task = asyncio.create_task(_collect_forever(services)) if background_jobs else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await services.blobs.close()
            services.engine.dispose()

    app = FastAPI(
        title="Sealbox",
        version="1",
        summary="Zero-knowledge cloud drive server. spec/http-api.md is the normative description.",
        lifespan=lifespan,
        # No HTML API explorers: they load scripts from a CDN into the server's origin, the origin
        # that link URLs point at (threat catalogue A20). /openapi.json stays for tools.
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    # Innermost: chunk PUTs skip the router but not the limits, headers and metrics around it.
    app.add_middleware(ChunkLane, api=app)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(ResponseHeadersMiddleware)
    # Added last, so it wraps everything else and also counts refusals made by the body limit.
    app.add_middleware(RequestMetricsMiddleware, metrics=services.metrics)
    app.include_router(accounts.router)
    app.include_router(drive.router)
    app.include_router(transfers.router)
    app.include_router(content_batch.router)
    app.include_router(links.router)
    app.include_router(shares.router)
    app.include_router(contacts.router)
    app.include_router(drops.router)
    app.include_router(notices.router)
    app.include_router(admin.router)
    app.include_router(transparency.router)
    app.include_router(probes.router)
    web.install(app, web.load_build())

    @app.get(routes.HEALTH, tags=["health"])
    async def health() -> m.Health:
        return m.Health(status="ok")

    return app
