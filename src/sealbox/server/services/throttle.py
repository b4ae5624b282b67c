# SPDX-License-Identifier: AGPL-3.0-or-later
"""Login throttling, in memory only.

Failed attempts are counted per network address, but the address itself is never kept: the table
is keyed by a BLAKE2b hash of it under a random key that lives only in this process and is replaced
every day (together with the table), so even a memory dump cannot be matched to addresses of other
days.
"""

import hashlib
import secrets
import threading
from collections import deque
from math import ceil

from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock, day_of
from sealbox.server.errors import ServiceError


class LoginThrottle:
    def __init__(self, clock: Clock, failures_allowed: int, window_seconds: int) -> None:
        self._clock = clock
        self._allowed = failures_allowed
        self._window = window_seconds
        self._lock = threading.Lock()
        self._day = ""
        self._key = b""
        self._failures: dict[bytes, deque[float]] = {}

    def _slot(self, address: str) -> bytes:
        today = day_of(self._clock)
        if today != self._day:
            self._day = today
            self._key = secrets.token_bytes(32)
            self._failures = {}
        return hashlib.blake2b(address.encode(), key=self._key, digest_size=16).digest()

    def _recent(self, slot: bytes, now: float) -> deque[float]:
        times = self._failures.setdefault(slot, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times

    def check(self, address: str) -> None:
        """Raise TOO_MANY_ATTEMPTS while the address has used up its failures."""
        now = self._clock.now()
        with self._lock:
            slot = self._slot(address)
            times = self._recent(slot, now)
            if len(times) >= self._allowed:
                retry = max(1, ceil(times[0] + self._window - now))
                raise ServiceError(
                    ErrorCode.TOO_MANY_ATTEMPTS,
                    f"too many failed attempts; try again in {retry} seconds",
                    headers={"Retry-After": str(retry)},
                )
            if not times:
                del self._failures[slot]

    def failed(self, address: str) -> None:
        now = self._clock.now()
        with self._lock:
            self._recent(self._slot(address), now).append(now)

    def tracked_addresses(self) -> int:
        with self._lock:
            return len(self._failures)
