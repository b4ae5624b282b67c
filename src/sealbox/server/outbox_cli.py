# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox admin outbox list|send``: the notifications waiting for delivery, and the mailer
that delivers them (spec/compliance.md §10, docs/compliance.md "Notifications")."""

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

import typer

from sealbox.server.compliance_cli import DEFAULT_DATA, DataOpt, DbOpt, JsonOpt, group, services
from sealbox.server.db import outbox
from sealbox.server.db.engine import read_only
from sealbox.server.services.mailer import Mailer, SmtpSettings, WebhookSettings

outbox_app = group("Notifications to complainants and users, and the mailer that sends them.")


def _when(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M")


@outbox_app.command("list")
def outbox_list(
    state: Annotated[
        str | None, typer.Option("--state", help="pending, delivered or failed.")
    ] = None,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The outbox, oldest first: each message's channel, state, attempts and last error."""
    with services(data, db) as svc, read_only(svc.engine) as conn:
        found = outbox.listing(conn, state)
    if as_json:
        rows = [{**asdict(m), "message_id": m.message_id.hex()} for m in found]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for m in found:
        error = f"  last error: {m.last_error}" if m.last_error else ""
        typer.echo(f"{m.message_id.hex()}  {m.state:<9} attempts={m.attempts} "
                   f"next={_when(m.next_attempt_at)}  {m.channel}  {m.subject}{error}")  # fmt: skip
    if not found:
        typer.echo("the outbox is empty")


@outbox_app.command("send")
def outbox_send(
    smtp_host: Annotated[
        str | None, typer.Option("--smtp-host", envvar="SEALBOX_SMTP_HOST", help="SMTP server.")
    ] = None,
    smtp_port: Annotated[int, typer.Option("--smtp-port", envvar="SEALBOX_SMTP_PORT")] = 25,
    sender: Annotated[
        str, typer.Option("--from", envvar="SEALBOX_SMTP_FROM", help="The From address.")
    ] = "sealbox@localhost",
    starttls: Annotated[bool, typer.Option("--starttls", help="Upgrade with STARTTLS.")] = False,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            "--smtp-user",
            envvar="SEALBOX_SMTP_USER",
            help="Log in as this user (password from $SEALBOX_SMTP_PASSWORD).",
        ),
    ] = None,
    webhook_ca: Annotated[
        str | None, typer.Option("--webhook-ca", help="CA bundle for webhook servers.")
    ] = None,
    data: DataOpt = DEFAULT_DATA,
    db: DbOpt = None,
) -> None:
    """Deliver every due message once: e-mail addresses through SMTP, https URLs as webhooks.
    Failures wait (1 minute, doubling, at most a day) and are retried by the next run; after 10
    failed attempts a message is marked failed. Run it from cron or a timer."""
    smtp = None
    if smtp_host:
        password = os.environ.get("SEALBOX_SMTP_PASSWORD")
        smtp = SmtpSettings(smtp_host, smtp_port, sender, starttls, smtp_user, password)
    with services(data, db) as svc:
        report = Mailer(svc.engine, svc.clock, smtp, WebhookSettings(webhook_ca)).send_due()
    typer.echo(f"delivered {report.delivered}, to retry {report.retrying}, "
               f"failed {report.failed}")  # fmt: skip
