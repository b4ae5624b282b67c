# SPDX-License-Identifier: AGPL-3.0-or-later
"""Errors the SDK raises besides sealbox.crypto's IntegrityError (which means tampering)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sealbox.crypto.errors import IntegrityError


class Removed(Protocol):
    @property
    def decision(self) -> str: ...
    @property
    def because(self) -> str: ...
    @property
    def reason(self) -> str: ...


class SealboxError(Exception):
    """Something a person can fix or retry: a wrong path, a conflict, a refused request."""


class ApiError(SealboxError):
    """The server refused a request with a well-formed error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        retry_after: int | None = None,
        reason: str | None = None,
        decision: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.retry_after = retry_after  # seconds, from Retry-After (too_many_attempts)
        # link_removed and content_removed: the reason code and the decision's public id.
        self.reason = reason
        self.decision = decision
        super().__init__(f"{message} ({code})")


class NotFoundError(SealboxError):
    """A remote path does not exist."""


class ConflictError(SealboxError):
    """The operation conflicts with what is there (an existing name, a non-empty folder...)."""


class DuplicateNameError(ConflictError):
    """A path names two or more children that share a name (spec/metadata.md, "Duplicate
    names"): nothing was picked. ``choices`` are each one's label and author."""

    def __init__(self, path: str, choices: list[tuple[str, str]]) -> None:
        self.path = path
        self.choices = choices
        shown = "; ".join(f"{label} (by {author})" for label, author in choices)
        super().__init__(
            f"{path} names {len(choices)} items with the same name: {shown}. Nothing was "
            "chosen; name the one you mean as shown, NAME@ID (see `sealbox ls -l`)"
        )


class NotLoggedIn(SealboxError):
    """No session is stored locally."""


class WithheldError(SealboxError):
    """The server left out items that a folder's signed manifest lists (spec/metadata.md,
    "Walking a tree"): tampering, reported as such (exit 3), but not a failed check of an object.
    ``folders`` names each folder with how many of its items were left out."""

    READING = "everything else was done; run the command again later to get the rest"
    REFUSED = (
        "nothing was signed or changed, since a change now would drop or vouch for items this "
        "device has not seen; try again later"
    )

    def __init__(self, folders: list[tuple[str, int]], outcome: str) -> None:
        self.folders = folders
        shown = ", ".join(f"{count} item(s) of {path}" for path, count in folders[:5])
        more = f" and {len(folders) - 5} more folder(s)" if len(folders) > 5 else ""
        super().__init__(f"the server withheld {shown}{more}; {outcome}")


class RemovedError(NotFoundError):
    """A name is not in a folder from which the operator removed items after a decision
    (spec/compliance.md §3.4): what was asked for may be one of them. Not tampering: each
    removal is backed by a published decision, named here by its public id."""

    def __init__(self, message: str, folder: str, removals: Sequence[Removed]) -> None:
        self.removals = list(removals)
        shown = "; ".join(f"decision {r.decision}, after {r.because}" for r in removals[:3])
        super().__init__(
            f"{message}: the operator removed {len(removals)} item(s) of {folder} ({shown}) "
            "and it may be one of them; see `sealbox notices`"
        )


class SomeFailed(SealboxError):
    """A transfer of many files did everything else, but these items failed (each was reported
    as it happened, as (path, reason)). ``integrity`` when any failed verification."""

    def __init__(self, failed: list[tuple[str, str]], skipped: int, integrity: bool) -> None:
        self.failed, self.skipped, self.integrity = failed, skipped, integrity
        noted = f", {skipped} skipped" if skipped else ""
        super().__init__(
            f"{len(failed)} item(s) failed{noted} (first: {failed[0][0]}: {failed[0][1]}); "
            "everything else was done: fix what is named above and run the same command again"
        )


class ServerTimeout(SealboxError):
    """The server did not finish an answer within the per-request deadline."""


class WrongLink(IntegrityError):
    """A link's own key does not open it: a password-link object that does not parse or open, or
    a link key that does not open the link secret (spec/sharing.md, "Links"). Most likely the link
    was mistyped or cut short, and it is reported so. A server that swapped the link secret fails
    the same way, and gains nothing by it: it could refuse the link outright, and nothing was
    accepted from it. Checks after the link secret opened raise plain IntegrityError."""
