# SPDX-License-Identifier: AGPL-3.0-or-later
"""How a figure turns entries into one number, exactly and the same way everywhere: counts are
integers, shares are percentages and durations are hours, both computed in decimal from whole
numbers and rounded half up (shares to 6 places, hours to 2), so a verifier in any language
gets the same digits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sealbox.compliance.report.entries import Entry

SHARE_PLACES = Decimal("0.000001")
HOUR_PLACES = Decimal("0.01")
Value = int | float | None


def minutes_between(received: str, at: str) -> int:
    """Whole minutes from ``received`` to ``at`` (both to the minute, UTC)."""
    fmt = "%Y-%m-%dT%H:%MZ"
    delta = datetime.strptime(at, fmt) - datetime.strptime(received, fmt)
    return int(delta.total_seconds()) // 60


def response_minutes(entries: Iterable[Entry]) -> list[int]:
    """Each entry's time from ``received`` to ``at``, in minutes; an entry whose ``received`` is
    null (an appeal from before the server recorded it) has no duration and is left out."""
    return [minutes_between(e["received"], e.at) for e in entries if e["received"] is not None]


def percent(part: int, whole: int | None) -> Value:
    """``part`` as a percentage of ``whole``; None when there is no whole to share."""
    if not whole:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(SHARE_PLACES, ROUND_HALF_UP))


def _hours(minutes: Decimal) -> float:
    return float((minutes / 60).quantize(HOUR_PLACES, ROUND_HALF_UP))


def average_hours(minutes: Sequence[int]) -> Value:
    """The mean, in hours; None for no durations."""
    if not minutes:
        return None
    return _hours(Decimal(sum(minutes)) / len(minutes))


def median_hours(minutes: Sequence[int]) -> Value:
    """The median (the mean of the two middle ones for an even count), in hours."""
    if not minutes:
        return None
    ordered = sorted(minutes)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return _hours(Decimal(ordered[middle]))
    return _hours(Decimal(ordered[middle - 1] + ordered[middle]) / 2)
