# SPDX-License-Identifier: AGPL-3.0-or-later
"""Business days in a configured country's calendar (the ``holidays`` library): weekends and
public holidays are not business days. The counter-notice restore window is counted here
(spec/compliance.md §4.2; DMCA §512(g)(2)(C))."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import holidays

RESTORE_NOT_BEFORE_DAYS = 10
RESTORE_NOT_AFTER_DAYS = 14


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Business days of ``country`` (an ISO 3166 code the ``holidays`` library knows)."""

    country: str = "US"
    subdivision: str | None = None

    def __post_init__(self) -> None:
        # Fail at configuration time, not when the first counter-notice arrives.
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError:
            raise ValueError(
                f"no holiday calendar for country {self.country!r} (use an ISO 3166 code such "
                "as US, NZ or DE)"
            ) from None

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        return day not in holidays.country_holidays(
            self.country, subdiv=self.subdivision, years=day.year
        )

    def add_business_days(self, start: date, count: int) -> date:
        """The ``count``-th business day after ``start`` (``start`` itself is day 0)."""
        day = start
        counted = 0
        while counted < count:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return day


@dataclass(frozen=True, slots=True)
class RestoreWindow:
    """Unix seconds: restoration may happen at ``not_before`` at the earliest (the start of the
    10th business day after receipt, UTC) and must have happened by ``not_after`` (the end of
    the 14th)."""

    not_before: int
    not_after: int


def _start_of(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def restore_window(received_at: float, calendar: BusinessCalendar) -> RestoreWindow:
    received = datetime.fromtimestamp(received_at, tz=UTC).date()
    first = calendar.add_business_days(received, RESTORE_NOT_BEFORE_DAYS)
    last = calendar.add_business_days(received, RESTORE_NOT_AFTER_DAYS)
    return RestoreWindow(_start_of(first), _start_of(last + timedelta(days=1)) - 1)
