# SPDX-License-Identifier: AGPL-3.0-or-later
"""Login throttling, in memory only.

Failed attempts (login, password change, recovery, account deletion) are counted three ways: per
account at one network address, per address over all accounts, and per account over all
addresses. The first limit is the small one, so one person's wrong guesses lock out only their
own account at their address, not everyone behind the same address (a household, an office NAT);
the two wider counters allow ``SPREAD`` times as many failures, to stop one address trying many
accounts and many addresses trying one account.

A counter that reaches its limit is locked for the window; each further lockout of the same
counter on the same day lasts twice as long as the one before (backoff, at most a day). While
locked, every attempt is answered ``429 too_many_attempts`` with ``Retry-After``.

Neither address nor account name is kept: the table is keyed by a BLAKE2b hash of them under a
random key that lives only in this process and is replaced every day (together with the table),
so even a memory dump cannot be matched to addresses of other days. Nothing is written to disk.
"""

import hashlib
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from math import ceil

from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock, day_of
from sealbox.server.errors import ServiceError

SPREAD = 5  # the per-address and per-account counters allow this many times the pair's failures
MAX_LOCK_SECONDS = 86400


@dataclass
class _Counter:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    lockouts: int = 0


class LoginThrottle:
    def __init__(self, clock: Clock, failures_allowed: int, window_seconds: int) -> None:
        self._clock = clock
        self._allowed = failures_allowed
        self._window = window_seconds
        self._lock = threading.Lock()
        self._day = ""
        self._key = b""
        self._counters: dict[bytes, _Counter] = {}

    def _slots(self, address: str, account: str | None) -> list[tuple[bytes, int]]:
        """The hashed keys an attempt counts under, each with its limit."""
        today = day_of(self._clock)
        if today != self._day:
            self._day = today
            self._key = secrets.token_bytes(32)
            self._counters = {}

        def slot(*parts: str) -> bytes:
            text = "\x00".join(parts).encode()
            return hashlib.blake2b(text, key=self._key, digest_size=16).digest()

        wide = self._allowed * SPREAD
        if account is None:
            return [(slot("address", address), self._allowed)]
        return [
            (slot("pair", account, address), self._allowed),
            (slot("address", address), wide),
            (slot("account", account), wide),
        ]

    def _prune(self, counter: _Counter, now: float) -> None:
        while counter.failures and counter.failures[0] <= now - self._window:
            counter.failures.popleft()

    def check(self, address: str, account: str | None = None) -> None:
        """Raise TOO_MANY_ATTEMPTS while any counter of this attempt is locked. ``account`` names
        the account tried (its normalised username, or ``id:`` and its user id)."""
        now = self._clock.now()
        with self._lock:
            wait = 0.0
            for slot, _ in self._slots(address, account):
                counter = self._counters.get(slot)
                if counter is None:
                    continue
                self._prune(counter, now)
                wait = max(wait, counter.locked_until - now)
                if not counter.failures and counter.locked_until <= now and not counter.lockouts:
                    del self._counters[slot]
        if wait > 0:
            retry = max(1, ceil(wait))
            raise ServiceError(
                ErrorCode.TOO_MANY_ATTEMPTS,
                f"too many failed attempts; try again in {retry} seconds",
                headers={"Retry-After": str(retry)},
            )

    def failed(self, address: str, account: str | None = None) -> None:
        now = self._clock.now()
        with self._lock:
            for slot, limit in self._slots(address, account):
                counter = self._counters.setdefault(slot, _Counter())
                self._prune(counter, now)
                counter.failures.append(now)
                if len(counter.failures) >= limit:
                    seconds = min(MAX_LOCK_SECONDS, self._window * 2**counter.lockouts)
                    counter.locked_until = now + seconds
                    counter.lockouts += 1
                    counter.failures.clear()

    def tracked_addresses(self) -> int:
        """How many counters are held (each for an address, an account, or the two together)."""
        with self._lock:
            return len(self._counters)
