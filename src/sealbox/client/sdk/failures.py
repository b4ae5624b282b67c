# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a transfer of many files could not do: each failed or skipped item is reported as it
happens, the run goes on with the rest, and the end says how many failed (SomeFailed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sealbox.client.sdk.errors import SomeFailed
from sealbox.crypto.errors import IntegrityError

Notice = Callable[[str, str], None]
"""Called with a path (local or remote, as the person named it) and what happened to it."""


def describe(exc: BaseException) -> str:
    """A per-item failure in plain words: the system's reason for a local file (never the name
    of a hidden partial file), the check that failed for data that did not verify."""
    if isinstance(exc, IntegrityError):
        return f"integrity check failed, nothing of it was written: {exc}"
    if isinstance(exc, OSError):
        reason = (exc.strerror or str(exc)).rstrip(".")
        return reason[:1].lower() + reason[1:]
    return str(exc)


@dataclass
class Failures:
    """The items of one run that failed or were skipped; ``failed``/``skipped`` tell a front
    end at once."""

    on_failed: Notice
    on_skipped: Notice
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0
    integrity: bool = False

    def fail(self, where: str, exc: BaseException) -> None:
        reason = describe(exc)
        self.integrity |= isinstance(exc, IntegrityError)
        self.failed.append((where, reason))
        self.on_failed(where, reason)

    def skip(self, where: str, why: str) -> None:
        self.skipped += 1
        self.on_skipped(where, why)

    def raise_if_any(self) -> None:
        if self.failed:
            raise SomeFailed(self.failed, self.skipped, self.integrity)
