# SPDX-License-Identifier: AGPL-3.0-or-later
"""The outbox mailer (spec/compliance.md §10): delivers queued notifications to the channel each
names, an e-mail address through the configured SMTP server or an https URL as a webhook, marks
what was delivered and retries what failed with a growing wait, until it gives up."""

from __future__ import annotations

import json
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr

import httpx

from sealbox.server.clock import Clock
from sealbox.server.db import outbox
from sealbox.server.db.engine import Engine, read_only, writing

FIRST_WAIT = 60  # seconds before the first retry; doubled after each failure
LONGEST_WAIT = 86400
MAX_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "sealbox@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    # A CA bundle to verify webhook servers with (a private CA); None: the system's.
    ca_file: str | None = None
    timeout: float = 30.0


class Undeliverable(Exception):
    """A channel that no retry can reach (not an address, not an https URL)."""


@dataclass
class Report:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failure."""
    return int(min(LONGEST_WAIT, FIRST_WAIT * 2 ** max(0, attempts - 1)))


class Mailer:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        smtp: SmtpSettings | None,
        webhooks: WebhookSettings | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._smtp = smtp
        self._webhooks = webhooks or WebhookSettings()

    def send_due(self, limit: int = 100) -> Report:
        """One pass over the due messages."""
        now = int(self._clock.now())
        with read_only(self._engine) as conn:
            todo = outbox.due(conn, now, limit)
        report = Report()
        for message in todo:
            self._deliver_one(message, report)
        return report

    def _deliver_one(self, message: outbox.Message, report: Report) -> None:
        try:
            self._route(message.channel)(message)
        except Undeliverable as exc:
            self._failed(message, str(exc), give_up=True)
            report.failed += 1
        except (OSError, smtplib.SMTPException, httpx.HTTPError) as exc:
            give_up = message.attempts + 1 >= MAX_ATTEMPTS
            self._failed(message, f"{type(exc).__name__}: {exc}", give_up)
            report.failed += give_up
            report.retrying += not give_up
        else:
            with writing(self._engine) as conn:
                outbox.delivered(conn, message.message_id, int(self._clock.now()))
            report.delivered += 1

    def _failed(self, message: outbox.Message, error: str, give_up: bool) -> None:
        wait = None if give_up else int(self._clock.now()) + backoff(message.attempts + 1)
        with writing(self._engine) as conn:
            outbox.attempt_failed(conn, message.message_id, error, wait)

    def _route(self, channel: str) -> Callable[[outbox.Message], None]:
        if channel.lower().startswith("https://"):
            return self._post
        if channel.lower().startswith(("http://", "ftp://")):
            raise Undeliverable("webhooks are sent over https only")
        address = channel.removeprefix("mailto:")
        _name, parsed = parseaddr(address)
        if "@" not in parsed or parsed != address.strip():
            raise Undeliverable("the channel is neither an e-mail address nor an https URL")
        return self._mail

    def _mail(self, message: outbox.Message) -> None:
        if self._smtp is None:
            raise OSError("no SMTP server configured (--smtp-host)")
        s = self._smtp
        mail = EmailMessage()
        mail["From"], mail["To"] = s.sender, message.channel.removeprefix("mailto:")
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
            smtp.send_message(mail)

    def _post(self, message: outbox.Message) -> None:
        w = self._webhooks
        verify = ssl.create_default_context(cafile=w.ca_file) if w.ca_file else True
        body = {
            "message_id": message.message_id.hex(),
            "subject": message.subject,
            "body": message.body,
            "created_at": message.created_at,
        }
        answer = httpx.post(
            message.channel, content=json.dumps(body), timeout=w.timeout, verify=verify,
            headers={"Content-Type": "application/json"}, follow_redirects=False,
        )  # fmt: skip
        answer.raise_for_status()
