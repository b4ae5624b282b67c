# SPDX-License-Identifier: AGPL-3.0-or-later
"""The outbox of notifications (spec/compliance.md §10): what waits for the operator's mailer,
and what it delivered or gave up on."""

import re
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from sealbox.server.db.compliance_tables import outbox
from sealbox.server.db.engine import fields

# A URL's fragment (a link key, for our links): cut before a message is stored.
FRAGMENT = re.compile(r"(https?://[^\s#\"']+)#[^\s\"']*")


@dataclass(frozen=True, slots=True)
class Message:
    message_id: bytes
    channel: str
    subject: str
    body: str
    created_at: int
    state: str
    attempts: int
    next_attempt_at: int | None
    delivered_at: int | None
    last_error: str | None


COLUMNS = (
    outbox.c.message_id, outbox.c.channel, outbox.c.subject, outbox.c.body, outbox.c.created_at,
    outbox.c.state, outbox.c.attempts, outbox.c.next_attempt_at, outbox.c.delivered_at,
    outbox.c.last_error,
)  # fmt: skip


def without_fragments(text: str) -> str:
    """``text`` with every URL's fragment cut off: the outbox never holds a link key."""
    return FRAGMENT.sub(r"\1", text)


def listing(conn: Connection, state: str | None = None) -> list[Message]:
    query = select(*COLUMNS).order_by(outbox.c.created_at, outbox.c.message_id)
    if state is not None:
        query = query.where(outbox.c.state == state)
    return [Message(*fields(r)) for r in conn.execute(query)]


def due(conn: Connection, now: int, limit: int) -> list[Message]:
    """Pending messages whose next attempt is due, oldest first."""
    query = (
        select(*COLUMNS)
        .where(outbox.c.state == "pending")
        .where(outbox.c.next_attempt_at.is_(None) | (outbox.c.next_attempt_at <= now))
        .order_by(outbox.c.created_at, outbox.c.message_id)
        .limit(limit)
    )
    return [Message(*fields(r)) for r in conn.execute(query)]


def delivered(conn: Connection, message_id: bytes, now: int) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.message_id == message_id)
        .values(
            state="delivered",
            delivered_at=now,
            attempts=outbox.c.attempts + 1,
            next_attempt_at=None,
            last_error=None,
        )
    )


def attempt_failed(
    conn: Connection, message_id: bytes, error: str, next_attempt_at: int | None
) -> None:
    """One failed attempt; ``next_attempt_at`` None gives up (state ``failed``)."""
    conn.execute(
        update(outbox)
        .where(outbox.c.message_id == message_id)
        .values(
            attempts=outbox.c.attempts + 1,
            last_error=error[:300],
            next_attempt_at=next_attempt_at,
            state="pending" if next_attempt_at is not None else "failed",
        )
    )
