# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clock every timer and state transition takes: injected, so tests can move time."""

from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Unix seconds."""
        ...
