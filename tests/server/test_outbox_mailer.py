# SPDX-License-Identifier: AGPL-3.0-or-later
"""The outbox mailer (spec/compliance.md §10) against a real SMTP server (aiosmtpd, on a local
port) and a real https webhook server (a certificate from a test CA): delivered messages are
marked, failures wait and are retried, channels no retry can reach fail at once, and no link key
is ever queued."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from anyio import to_thread
from click.testing import Result
from typer.testing import CliRunner

from sealbox.server.cli import app as server_cli
from sealbox.server.db import operators, outbox
from sealbox.server.db.engine import read_only, writing
from sealbox.server.services.mailer import Mailer, SmtpSettings, WebhookSettings
from sealbox.testing.http_api import ok
from sealbox.testing.postgres import free_port
from tests.server.compliance_world import KEY, build, e, file_notice
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio
COUNTER = {
    "signature": "Alice A.", "name": "Alice A.", "address": "1 Main St", "phone": "+1 555 0100",
    "statement_under_penalty": True, "consent_to_jurisdiction": True, "accepts_service": True,
}  # fmt: skip


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """An https server with a certificate from a test CA: (its URL, the CA file, what it got)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    got: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    httpd = HTTPServer(("127.0.0.1", 0), Hook)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/hook", str(ca_file), got
    finally:
        httpd.shutdown()
        httpd.server_close()


def queue(server: Server, channel: str, body: str = "a message") -> None:
    with writing(server.services.engine) as conn:
        operators.send(conn, {"message_id": channel.encode()[:16].ljust(16, b"."),
                              "channel": channel, "subject": "notice", "body": body,
                              "created_at": int(server.clock.now())})  # fmt: skip


def messages(server: Server) -> list[outbox.Message]:
    with read_only(server.services.engine) as conn:
        return outbox.listing(conn)


async def test_the_mailer_delivers_by_smtp_and_webhook_and_marks_them(
    server: Server, smtp: tuple[int, Inbox], webhook: tuple[str, str, list[dict[str, Any]]]
) -> None:
    port, inbox = smtp
    url, ca_file, posted = webhook
    world = await build(server)
    case = await file_notice(server, world, [world.file_link], "link")
    ok(await server.client.post(f"/v1/notices/mine/{e(case)}/counter", json=COUNTER,
                                headers=world.alice.headers))  # fmt: skip
    queue(server, url, f"see https://sealbox.test/l/abc#{KEY}")
    mailer = Mailer(server.services.engine, server.clock,
                    SmtpSettings("127.0.0.1", port, "abuse@sealbox.test"),
                    WebhookSettings(ca_file))  # fmt: skip
    report = mailer.send_due()
    assert (report.delivered, report.retrying, report.failed) == (2, 0, 0)
    assert [to for to, _ in inbox.mails] == [["legal@rights.example"]]
    assert b"Counter-notice received" in inbox.mails[0][1]
    assert len(posted) == 1 and posted[0]["subject"] == "notice"
    assert all(m.state == "delivered" and m.delivered_at for m in messages(server))
    assert mailer.send_due().delivered == 0  # delivered once, never again
    # The outbox never holds a link key: the fragment was cut before the message was queued.
    assert posted[0]["body"] == "see https://sealbox.test/l/abc"
    assert all(KEY not in m.body and KEY not in m.subject for m in messages(server))


async def test_a_failed_delivery_waits_and_is_retried(
    server: Server, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    queue(server, "legal@rights.example")
    down = Mailer(server.services.engine, server.clock, SmtpSettings("127.0.0.1", free_port()))
    assert down.send_due().retrying == 1
    (waiting,) = messages(server)
    assert waiting.state == "pending" and waiting.attempts == 1 and waiting.last_error
    assert waiting.next_attempt_at == int(server.clock.now()) + 60
    up = Mailer(server.services.engine, server.clock, SmtpSettings("127.0.0.1", port))
    assert up.send_due().delivered == 0  # not due yet
    server.clock.advance(61)
    assert down.send_due().retrying == 1  # fails again: the wait doubles
    assert messages(server)[0].next_attempt_at == int(server.clock.now()) + 120
    server.clock.advance(121)
    assert up.send_due().delivered == 1
    assert messages(server)[0].state == "delivered" and len(inbox.mails) == 1


async def test_channels_no_retry_can_reach_fail_at_once(server: Server) -> None:
    queue(server, "http://plain.example/hook")
    queue(server, "not an address")
    report = Mailer(server.services.engine, server.clock, None).send_due()
    assert report.failed == 2
    assert {m.state for m in messages(server)} == {"failed"}


async def test_admin_outbox_commands(server: Server, db_url: str, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    queue(server, "legal@rights.example")
    where = ["--data", str(server.data_dir), "--db", db_url]
    runner = CliRunner()

    async def invoke(*args: str) -> Result:
        # The admin commands run their own event loop: off this test's.
        return await to_thread.run_sync(lambda: runner.invoke(server_cli, [*args, *where]))

    listed = await invoke("admin", "outbox", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)[0]["state"] == "pending"
    sent = await invoke(
        "admin", "outbox", "send", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)
    )
    assert sent.exit_code == 0, sent.output
    assert "delivered 1" in sent.stdout and len(inbox.mails) == 1
