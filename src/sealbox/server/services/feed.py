"""The per-account change feed: which nodes each committed transaction touched, in order.

Clients keep a cursor (the last sequence they applied) and ask for what came after; with ``wait``
the request is held until something arrives or the wait ends. A transaction committed in this
process wakes waiters at once; one committed by another process is seen at the next poll (every
second).
"""

import asyncio
from collections.abc import Sequence
from functools import partial
from typing import Any

import anyio
from anyio import to_thread
from sqlalchemy import Engine, Row, select

from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import accounts, feed

POLL_SECONDS = 1.0


class FeedService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wakeups: dict[bytes, asyncio.Event] = {}

    def _page(self, user_id: bytes, cursor: int, limit: int) -> m.FeedPage:
        with read_only(self._engine) as conn:
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
            entries: Sequence[Row[Any]] = []
            if seqs:
                entries = conn.execute(
                    select(feed.c.seq, feed.c.node_id, feed.c.change)
                    .where(
                        (feed.c.owner_id == user_id)
                        & (feed.c.seq >= seqs[0])
                        & (feed.c.seq <= seqs[-1])
                    )
                    .order_by(feed.c.seq, feed.c.node_id)
                ).all()
            latest: int = conn.execute(
                select(accounts.c.feed_seq).where(accounts.c.user_id == user_id)
            ).scalar_one()
        return m.FeedPage(
            entries=[m.FeedEntry(seq=e.seq, node_id=e.node_id, change=e.change) for e in entries],
            cursor=seqs[-1] if seqs else min(cursor, latest),
            more=more,
        )

    async def page(
        self, user_id: bytes, cursor: int, wait: float, limit: int = limits.MAX_FEED_PAGE
    ) -> m.FeedPage:
        wait = min(max(wait, 0.0), float(limits.MAX_FEED_WAIT_SECONDS))
        deadline = anyio.current_time() + wait
        while True:
            event = self._wakeups.setdefault(user_id, asyncio.Event())
            page = await to_thread.run_sync(
                partial(self._page, user_id, cursor, min(max(limit, 1), limits.MAX_FEED_PAGE))
            )
            remaining = deadline - anyio.current_time()
            if page.entries or remaining <= 0:
                return page
            with anyio.move_on_after(min(remaining, POLL_SECONDS)):
                await event.wait()

    def notify(self, user_id: bytes) -> None:
        """Wake this process's waiters on ``user_id``'s feed (call from the event loop)."""
        event = self._wakeups.pop(user_id, None)
        if event is not None:
            event.set()
