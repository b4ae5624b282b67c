"""Errors the SDK raises besides sealbox.crypto's IntegrityError (which means tampering)."""

from __future__ import annotations


class SealboxError(Exception):
    """Something a person can fix or retry: a wrong path, a conflict, a refused request."""


class ApiError(SealboxError):
    """The server refused a request with a well-formed error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        super().__init__(f"{message} ({code})")


class NotFoundError(SealboxError):
    """A remote path does not exist."""


class ConflictError(SealboxError):
    """The operation conflicts with what is there (an existing name, a non-empty folder...)."""


class NotLoggedIn(SealboxError):
    """No session is stored locally."""


class ServerTimeout(SealboxError):
    """The server did not finish an answer within the per-request deadline."""
