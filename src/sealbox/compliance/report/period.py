# SPDX-License-Identifier: AGPL-3.0-or-later
"""The period a report covers: a year (``2026``), a half (``2026-H2``) or a quarter (``2026-Q1``),
from its first minute up to, not including, the first minute of the next period (UTC)."""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIOD = re.compile(r"(?P<year>\d{4})(?:-(?P<part>[HQ])(?P<n>\d))?")
MONTHS = {"H": 6, "Q": 3}
HOW = "write a year (2026), a half (2026-H1, 2026-H2) or a quarter (2026-Q1 to 2026-Q4)"


class PeriodError(ValueError):
    """A period name the report does not know."""


@dataclass(frozen=True, slots=True)
class Period:
    name: str
    start: str  # the first minute, as an entry's ``at`` (2026-07-01T00:00Z)
    end: str  # the first minute after the period

    def holds(self, at: str) -> bool:
        """Whether a time in the entries' format (to the minute, UTC) falls in the period; the
        format sorts as text in time order, so no parsing is needed."""
        return self.start <= at < self.end

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "start": self.start, "end": self.end}


def _minute(year: int, month: int) -> str:
    if month > 12:
        year, month = year + 1, month - 12
    return f"{year:04d}-{month:02d}-01T00:00Z"


def parse_period(name: str) -> Period:
    """``2026``, ``2026-H1``/``-H2`` or ``2026-Q1`` to ``-Q4``; anything else is refused."""
    match = PERIOD.fullmatch(name)
    if match is None:
        raise PeriodError(f"{name!r} is not a period: {HOW}")
    year = int(match["year"])
    if match["part"] is None:
        return Period(name, _minute(year, 1), _minute(year + 1, 1))
    months = MONTHS[match["part"]]
    n = int(match["n"])
    if not 1 <= n <= 12 // months:
        raise PeriodError(f"{name!r} is not a period: {HOW}")
    first = 1 + (n - 1) * months
    return Period(name, _minute(year, first), _minute(year, first + months))
