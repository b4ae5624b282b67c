# SPDX-License-Identifier: AGPL-3.0-or-later
"""The per-account change feed: which nodes each committed transaction touched, in order.

Clients keep a cursor (the last sequence they applied) and ask for what came after; with ``wait``
the request is held until something arrives or the wait ends. A transaction committed in this
process wakes waiters at once; one committed by another process is seen at the next poll (every
second).
"""

import asyncio
from functools import partial

import anyio
from anyio import to_thread

from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.server.db import feed
from sealbox.server.db.engine import Engine, read_only

POLL_SECONDS = 1.0


class FeedService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wakeups: dict[bytes, asyncio.Event] = {}

    def _page(self, user_id: bytes, cursor: int, limit: int) -> m.FeedPage:
        with read_only(self._engine) as conn:
            found = feed.after(conn, user_id, cursor, limit)
        return m.FeedPage(
            entries=found.entries,
            cursor=found.seqs[-1] if found.seqs else min(cursor, found.latest),
            more=found.more,
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
