# SPDX-License-Identifier: AGPL-3.0-or-later
"""The per-account change feed: one entry per node a committed transaction touched."""

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from sealbox.protocol import models as m
from sealbox.server.db.batching import batched
from sealbox.server.db.schema import accounts, feed


@dataclass(frozen=True, slots=True)
class FeedSlice:
    entries: list[m.FeedEntry]
    seqs: list[int]
    more: bool
    latest: int


def record(conn: Connection, user_id: bytes, seq: int, changes: dict[bytes, str]) -> None:
    """Write the transaction ``seq``'s entries and move the account's feed to it."""
    for entries in batched(sorted(changes.items())):
        conn.execute(
            insert(feed),
            [
                {"owner_id": user_id, "seq": seq, "node_id": nid, "change": kind}
                for nid, kind in entries
            ],
        )
    conn.execute(update(accounts).where(accounts.c.user_id == user_id).values(feed_seq=seq))


def after(conn: Connection, user_id: bytes, cursor: int, limit: int) -> FeedSlice:
    """Whole transactions after ``cursor``, at most ``limit`` of them, and the newest sequence."""
    # Whole transactions only: take the sequence numbers first, then all their entries.
    seqs: list[int] = list(
        conn.execute(
            select(feed.c.seq)
            .where((feed.c.owner_id == user_id) & (feed.c.seq > cursor))
            .group_by(feed.c.seq)
            .order_by(feed.c.seq)
            .limit(limit + 1)
        ).scalars()
    )
    more = len(seqs) > limit
    seqs = seqs[:limit]
    entries: list[m.FeedEntry] = []
    if seqs:
        entries = [
            m.FeedEntry(seq=e.seq, node_id=e.node_id, change=e.change)
            for e in conn.execute(
                select(feed.c.seq, feed.c.node_id, feed.c.change)
                .where(
                    (feed.c.owner_id == user_id)
                    & (feed.c.seq >= seqs[0])
                    & (feed.c.seq <= seqs[-1])
                )
                .order_by(feed.c.seq, feed.c.node_id)
            )
        ]
    latest: int = conn.execute(
        select(accounts.c.feed_seq).where(accounts.c.user_id == user_id)
    ).scalar_one()
    return FeedSlice(entries=entries, seqs=seqs, more=more, latest=latest)
