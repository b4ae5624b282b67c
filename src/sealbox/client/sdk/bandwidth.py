# SPDX-License-Identifier: AGPL-3.0-or-later
"""A bandwidth limit for transfers (``--bwlimit``): a token bucket on the bytes of content sent
and received, with the clock and the sleep injected.

Every request body and every received piece of content takes its size in tokens before it goes
on; tokens come back at the limit's rate, up to one second's worth (the burst). A caller that
takes more than there is waits until the debt is paid, so concurrent transfers share the rate
between them and the average over any second stays at the limit.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable

from sealbox.client.sdk.errors import SealboxError

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:I?B)?(?:/S)?\s*$")


def parse_rate(text: str) -> float:
    """Bytes per second from ``10M``, ``512K``, ``1.5G`` or ``100000`` (binary units: ``10M``
    is 10 MiB/s, as sizes are shown); SealboxError for anything else, or zero."""
    found = _RATE.match(text.upper())
    if found is None or float(found.group(1)) <= 0:
        raise SealboxError(
            f"not a bandwidth: {text!r}; give bytes per second, such as 512K, 10M or 1G"
        )
    return float(found.group(1)) * _UNITS[found.group(2)]


class Bandwidth:
    """A token bucket: ``await take(n)`` returns once ``n`` bytes may go."""

    def __init__(
        self, rate: float, *, clock: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.rate = rate
        self.burst = rate  # one second's worth
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._last = clock()

    async def take(self, size: int) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= size
        if self._tokens < 0:
            await self._sleep(-self._tokens / self.rate)
