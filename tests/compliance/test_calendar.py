# SPDX-License-Identifier: AGPL-3.0-or-later
"""Business-day timers across weekends and public holidays (issue 16, counter-notice timer)."""

from datetime import UTC, date, datetime

import pytest

from sealbox.compliance.calendar import BusinessCalendar, restore_window


def ts(y: int, m: int, d: int, h: int = 12) -> float:
    return datetime(y, m, d, h, tzinfo=UTC).timestamp()


def day_of(t: int) -> date:
    return datetime.fromtimestamp(t, tz=UTC).date()


def test_weekends_and_holidays_are_skipped() -> None:
    us = BusinessCalendar("US")
    assert not us.is_business_day(date(2026, 12, 25))  # Christmas, a Friday
    assert not us.is_business_day(date(2026, 12, 26))  # Saturday
    assert us.is_business_day(date(2026, 12, 28))
    # Thursday 2026-12-24 + 1 business day skips Christmas and the weekend.
    assert us.add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_restore_window_over_christmas_and_new_year() -> None:
    # Received Monday 2026-12-21. US business days after it: 22, 23, 24, 28, 29, 30, 31,
    # (Jan 1 holiday), Jan 4, 5, 6 -> the 10th is Jan 6; then 7, 8, 11, 12 -> the 14th is Jan 12.
    window = restore_window(ts(2026, 12, 21), BusinessCalendar("US"))
    assert day_of(window.not_before) == date(2027, 1, 6)
    assert day_of(window.not_after) == date(2027, 1, 12)
    assert window.not_before > ts(2026, 12, 21) + 10 * 86400


def test_the_country_changes_the_window() -> None:
    # 2026-10-26 is a public holiday in New Zealand (Labour Day), not in the US.
    nz = restore_window(ts(2026, 10, 23), BusinessCalendar("NZ"))
    us = restore_window(ts(2026, 10, 23), BusinessCalendar("US"))
    assert nz.not_before > us.not_before


def test_an_unknown_country_is_refused_at_configuration() -> None:
    with pytest.raises(ValueError, match="no holiday calendar"):
        BusinessCalendar("XX")
