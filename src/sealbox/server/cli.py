# SPDX-License-Identifier: AGPL-3.0-or-later
"""Operator commands: ``sealbox server`` runs the server, ``sealbox admin ...`` maintains it."""

import asyncio
import gc
import logging
import logging.config
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console

import sealbox
from sealbox.server import compliance_cli, report_cli
from sealbox.server.app import build_services, create_app
from sealbox.server.blobs.url import open_blob_store
from sealbox.server.clock import SystemClock
from sealbox.server.db.engine import Engine, make_engine
from sealbox.server.db.migrate import upgrade
from sealbox.server.errors import ServiceError
from sealbox.server.services.disclosure import DisclosureService
from sealbox.server.services.transparency import SignerFactory, TransparencyLog
from sealbox.server.services.transparency_jobs import LogSchedule
from sealbox.server.settings import Settings
from sealbox.server.zero_copy_http import ZeroCopyHttpProtocol

# Help texts are plain text: rich markup would read "s3://bucket[/prefix]" as a closing tag.
HELP_SETTINGS = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings=HELP_SETTINGS,
    help="Sealbox operator commands.",
)
admin = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=HELP_SETTINGS,
    help=(
        "Maintenance (migrations, collection, quotas, disclosure packages) and notice and action "
        "(docs/compliance.md)."
    ),
)
app.add_typer(admin, name="admin")
compliance_cli.register(admin)
report_cli.register(admin)
console = Console(stderr=True)

DEFAULT_PORT = 8470

DataOpt = Annotated[
    Path,
    typer.Option("--data", help="Directory for blobs, the server secret and (by default) SQLite."),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="SEALBOX_DB",
        help="Database URL, e.g. postgresql://user@host/db (default: SQLite under --data).",
    ),
]
BlobsOpt = Annotated[
    str | None,
    typer.Option(
        "--blobs",
        envvar="SEALBOX_BLOBS",
        help=(
            "Blob store URL: s3://bucket[/prefix]?endpoint=https://... (credentials from "
            "SEALBOX_S3_ACCESS_KEY_ID / SEALBOX_S3_SECRET_ACCESS_KEY), file:///path or a path "
            "(default: <data>/blobs). Every server of one service must name the same store."
        ),
    ),
]

# Uvicorn's default access log names the client's address; Sealbox logs no addresses at all, so the
# access logger is switched off and every other line goes through a format without addresses.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "sealbox": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def _settings(data: Path, db: str | None, blobs: str | None = None, **extra: Any) -> Settings:
    if blobs is not None:
        try:
            # Checked here so that a mistyped URL is one clear line, not a traceback.
            open_blob_store(blobs)
        except ValueError as exc:
            console.print(f"--blobs: {exc}")
            raise typer.Exit(2) from exc
    return Settings(data_dir=data.resolve(), db_url=db, blobs_url=blobs, **extra)


@app.command()
def server(
    ctx: typer.Context,
    data: DataOpt = Path(".sealbox-data"),
    db: DbOpt = None,
    blobs: BlobsOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    keep_versions: Annotated[int, typer.Option(help="Earlier versions kept per file.")] = 10,
    default_quota: Annotated[
        int | None, typer.Option(help="Bytes per account unless overridden; default unlimited.")
    ] = None,
    upload_ttl: Annotated[
        int, typer.Option(help="Seconds an untouched upload lives before collection.")
    ] = 24 * 3600,
    collect_interval: Annotated[
        float, typer.Option(help="Seconds between background collections.")
    ] = 600.0,
    deleted_blob_grace_days: Annotated[
        int,
        typer.Option(
            min=0, help="Days the blobs of deleted files are kept before they are purged."
        ),
    ] = 0,
    trusted_proxies: Annotated[
        str | None,
        typer.Option(
            envvar="SEALBOX_TRUSTED_PROXIES",
            help=(
                "Comma-separated addresses of load balancers whose X-Forwarded-For is believed, "
                "so login throttling counts per client rather than per load balancer."
            ),
        ),
    ] = None,
    compliance: Annotated[
        Path | None,
        typer.Option(
            envvar="SEALBOX_COMPLIANCE",
            help="JSON file of notice-and-action policy knobs (docs/compliance.md).",
        ),
    ] = None,
) -> None:
    """Run the Sealbox server (migrations are applied first)."""
    settings = _settings(
        data,
        db,
        blobs,
        compliance=compliance_cli.policy_file(compliance),
        keep_versions=keep_versions,
        default_quota=default_quota,
        upload_ttl_seconds=upload_ttl,
        collect_interval_seconds=collect_interval,
        deleted_blob_grace_days=deleted_blob_grace_days,
    )
    logging.config.dictConfig(LOG_CONFIG)
    # The transparency log's signer, from the entry point (None when run some other way: the
    # log then records entries, and the checkpoint route says this server cannot sign).
    services = build_services(settings, log_signer=ctx.obj)
    app = create_app(services)
    # Everything made so far (the modules, the routes, the models' schemas) lives as long as the
    # server: frozen out of the collector's sight, so that the full collections the requests'
    # garbage sets off stop walking it. Before, they took half the server's CPU on a
    # transaction of many small files (docs/decisions/2014).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        # uvicorn's own HTTP/1.1 protocol, plus sendfile for chunk downloads and bodies read
        # straight into the write buffer for chunk uploads.
        http=ZeroCopyHttpProtocol,
        host=host,
        port=port,
        access_log=False,
        log_config=LOG_CONFIG,
        server_header=False,
        # The forwarded address only keys the in-memory login throttle (hashed under a daily
        # key); it is never stored or logged, like the direct peer's address.
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
        timeout_graceful_shutdown=10,
    )


@admin.command()
def migrate(data: DataOpt = Path(".sealbox-data"), db: DbOpt = None) -> None:
    """Apply database migrations and exit."""
    settings = _settings(data, db)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    console.print("database is up to date")


@admin.command()
def collect(
    data: DataOpt = Path(".sealbox-data"),
    db: DbOpt = None,
    blobs: BlobsOpt = None,
    upload_ttl: Annotated[
        int, typer.Option(help="Seconds an untouched upload lives before collection.")
    ] = 24 * 3600,
) -> None:
    """Delete expired uploads, unreferenced content objects and orphan blobs, then exit."""
    services = build_services(_settings(data, db, blobs, upload_ttl_seconds=upload_ttl))

    async def run() -> None:
        try:
            report = await services.collector.collect()
        finally:
            await services.blobs.close()
            services.engine.dispose()
        if report.skipped:
            console.print("another collection is running; nothing done")
        else:
            console.print(
                f"expired uploads: {report.expired_uploads}, "
                f"contents deleted: {report.deleted_contents}, "
                f"orphan blobs deleted: {report.orphan_blobs}"
            )

    asyncio.run(run())


@admin.command("set-quota")
def set_quota(
    username: Annotated[str, typer.Argument(help="The account's username.")],
    quota: Annotated[str, typer.Argument(help="Bytes, or 'default' for the server default.")],
    data: DataOpt = Path(".sealbox-data"),
    db: DbOpt = None,
) -> None:
    """Set one account's quota in bytes (or 'default')."""
    if quota == "default":
        value = None
    elif quota.isdigit():
        value = int(quota)
    else:
        console.print("quota must be a number of bytes or 'default'")
        raise typer.Exit(2)
    services = build_services(_settings(data, db))
    try:
        services.accounts.set_quota(username, value)
    except ServiceError as exc:
        console.print(exc.message)
        raise typer.Exit(1) from exc
    finally:
        services.engine.dispose()
    console.print(f"quota of {username}: {'default' if value is None else value}")


@admin.command()
def disclose(
    username: Annotated[
        str,
        typer.Argument(
            help="The account's username, or its user id as `admin holds list` shows it (an "
            "account deleted under a hold has no username)."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="A new directory for data.json and manifest.json.")
    ],
    data: DataOpt = Path(".sealbox-data"),
    db: DbOpt = None,
    with_opaque: Annotated[
        bool,
        typer.Option(
            "--with-opaque",
            help="Include the bytes of client-sealed values, not only their length and SHA-256 "
            "(only where an order specifically requires them).",
        ),
    ] = False,
) -> None:
    """Write exactly what the server holds about one account (a disclosure package)."""
    if out.exists():
        console.print(f"{out} exists already: name a new directory, so nothing is overwritten")
        raise typer.Exit(2)
    settings = _settings(data, db)
    engine = make_engine(settings.database_url)
    service = DisclosureService(engine, SystemClock(), sealbox.__version__)
    try:
        package = asyncio.run(service.package(username, with_opaque=with_opaque))
    except ServiceError as exc:
        console.print(f"{exc.message}: no account is called {username!r}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    out.mkdir(parents=True)
    (out / "data.json").write_bytes(package.data_json())
    (out / "manifest.json").write_bytes(package.manifest_json())
    rows = sum(table["rows"] for table in package.manifest["tables"].values())
    # Counted in the transparency log; the server signs it with its next checkpoint.
    engine = make_engine(settings.database_url)
    try:
        _unsigned_log(engine).append("disclosure", {"records": rows})
    finally:
        engine.dispose()
    console.print(f"wrote {out}: {rows} rows about {username} in {len(package.data)} tables")


def _unsigned_log(engine: Engine) -> TransparencyLog:
    """The log as an admin command appends to it: without the signer, which only the running
    server holds; the server signs the entries with its next checkpoint (spec/transparency.md)."""
    return TransparencyLog(engine, SystemClock(), origin="")


@admin.command()
def canary(
    statement: Annotated[
        str, typer.Option("--statement", help="The warrant canary's text, one line.")
    ],
    data: DataOpt = Path(".sealbox-data"),
    db: DbOpt = None,
    days: Annotated[
        int, typer.Option("--days", help="Days until the next canary is due.", min=1)
    ] = 7,
) -> None:
    """Append a signed warrant canary to the transparency log now (docs/transparency.md)."""
    engine = make_engine(_settings(data, db).database_url)
    schedule = LogSchedule(engine, SystemClock(), _unsigned_log(engine), statement, days)
    try:
        index = schedule.canary(statement)
    except ValueError as exc:
        console.print(str(exc))
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    console.print(f"canary appended as entry {index}; the next is due in {days} days")


def main(log_signer: SignerFactory | None = None) -> None:
    # Everything the server writes (database, WAL, blobs, secret) is for its own user alone.
    os.umask(0o077)
    app(args=sys.argv[1:], prog_name="sealbox", obj=log_signer)
