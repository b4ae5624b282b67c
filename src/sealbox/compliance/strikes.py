# SPDX-License-Identifier: AGPL-3.0-or-later
"""The repeat-infringer policy (spec/compliance.md §6; DMCA §512(i)): one strike per upheld
notice; ``limit`` strikes within ``window_days`` suspend the account. Overturned strikes (a
successful counter-notice or appeal) are not passed in, so they never count."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

DAY = 86400


class Verdict(StrEnum):
    NONE = "none"
    WARN = "warn"
    SUSPEND = "suspend"


@dataclass(frozen=True, slots=True)
class StrikePolicy:
    limit: int = 3
    window_days: int = 183
    warning: bool = False

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_days < 1:
            raise ValueError("the strike limit and window must be at least 1")

    def counting(self, strike_times: Sequence[float], now: float) -> int:
        """How many strikes fall inside the window that ends now."""
        since = now - self.window_days * DAY
        return sum(1 for t in strike_times if since < t <= now)

    def verdict(self, strike_times: Sequence[float], now: float) -> Verdict:
        """What the strikes in force call for. With ``warning`` on, the first strike warns."""
        counted = self.counting(strike_times, now)
        if counted >= self.limit:
            return Verdict.SUSPEND
        if self.warning and counted >= 1:
            return Verdict.WARN
        return Verdict.NONE
