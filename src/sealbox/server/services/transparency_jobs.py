# SPDX-License-Identifier: AGPL-3.0-or-later
"""The transparency log's scheduled entries (spec/transparency.md §Entries): the daily
``census`` the report's shares are computed from, and the warrant ``canary`` (every
``canary_days``, with the operator's statement). They run with the background collection; a job
lease makes one server of many append them.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sealbox.server.clock import Clock
from sealbox.server.db import collection
from sealbox.server.db import transparency as log_table
from sealbox.server.db.engine import Connection, Engine, writing
from sealbox.server.services.transparency import TransparencyLog

DAY = 86400
LEASE_NAME = "transparency"
LEASE_SECONDS = 60
# A scheduled entry is due this long before its period is over, so a run every few minutes
# never lets a canary's "next" date pass.
EARLY = 3600


class LogSchedule:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        log: TransparencyLog,
        canary_statement: str,
        canary_days: int,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._log = log
        self._statement = canary_statement.strip()
        self._days = canary_days
        self._holder = secrets.token_hex(8)

    def run(self) -> list[str]:
        """Append the census and the canary if they are due; the kinds appended."""
        now = self._clock.now()
        appended: list[str] = []
        with writing(self._engine) as conn:
            # Held until it runs out, not released: the next run is minutes away anyway.
            if not collection.take_lease(conn, LEASE_NAME, self._holder, int(now), LEASE_SECONDS):
                return appended
            if self._due(conn, "census", DAY, now):
                self._log.append_in(conn, "census", log_table.census(conn))
                appended.append("census")
            if self._statement and self._due(conn, "canary", self._days * DAY, now):
                self.canary_in(conn, self._statement)
                appended.append("canary")
        return appended

    def canary(self, statement: str) -> int:
        """Append a canary now (``sealbox admin canary``); its index."""
        with writing(self._engine) as conn:
            return self.canary_in(conn, statement)

    def canary_in(self, conn: Connection, statement: str) -> int:
        statement = statement.strip()
        if not statement:
            raise ValueError("a warrant canary needs a statement")
        due = datetime.fromtimestamp(self._clock.now(), tz=UTC) + timedelta(days=self._days)
        fields = {"statement": statement, "next": due.strftime("%Y-%m-%d")}
        return self._log.append_in(conn, "canary", fields)

    @staticmethod
    def _due(conn: Connection, kind: str, period: int, now: float) -> bool:
        last = log_table.last_of(conn, kind)
        return last is None or now - last[0] >= period - EARLY
