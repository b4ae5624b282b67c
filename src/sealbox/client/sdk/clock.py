# SPDX-License-Identifier: AGPL-3.0-or-later
"""The client's clock, injected like the random source (``RandomSource``): a front end or a test
passes its own, and the default is the system's.

It stamps what this client writes: a new folder's time, the suffix of a name moved into the trash,
an identity bundle's creation time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]  # seconds since the Unix epoch
system_clock: Clock = time.time


def now_ms(clock: Clock) -> int:
    """Milliseconds since the Unix epoch, as metadata stores times."""
    return int(clock() * 1000)


def local_stamp(clock: Clock) -> str:
    """Local date and time to the second, safe inside a file name: ``2026-01-31 235959``."""
    return time.strftime("%Y-%m-%d %H%M%S", time.localtime(clock()))
