# SPDX-License-Identifier: AGPL-3.0-or-later
"""Time as the server sees it; tests inject their own clock to drive expiry and day changes."""

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


def day_of(clock: Clock) -> str:
    return datetime.fromtimestamp(clock.now(), UTC).strftime("%Y-%m-%d")
