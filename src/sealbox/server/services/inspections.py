# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reported link URLs with their keys, waiting for the inspector: in this process's memory only,
never in the database or a log, each handed out once and forgotten after a time to live
(spec/compliance.md §7, §8). A restart loses them; the report then goes to human review."""

import threading
from collections import OrderedDict

from sealbox.server.clock import Clock


class InspectionQueue:
    def __init__(self, clock: Clock, ttl_seconds: int) -> None:
        self._clock = clock
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._jobs: OrderedDict[bytes, tuple[str, float]] = OrderedDict()

    def put(self, report_id: bytes, url: str) -> None:
        with self._lock:
            self._jobs[report_id] = (url, self._clock.now() + self._ttl)

    def take(self) -> tuple[bytes, str] | None:
        """The oldest unexpired job, removed from the queue."""
        now = self._clock.now()
        with self._lock:
            while self._jobs:
                report_id, (url, until) = self._jobs.popitem(last=False)
                if until > now:
                    return report_id, url
        return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def __repr__(self) -> str:
        # Never show a URL: each one carries a link key.
        return f"InspectionQueue({len(self)} jobs)"
