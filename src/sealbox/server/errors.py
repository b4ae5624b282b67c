# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one exception services raise to refuse a request; the API turns it into a JSON error."""

from sealbox.protocol.errors import STATUS_OF, ErrorCode


class ServiceError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        details: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}
        # Extra fields of the error body, e.g. a removed link's reason (spec/http-api.md §14).
        self.details = details or {}

    @property
    def status(self) -> int:
        return STATUS_OF[self.code]


def not_found(what: str) -> ServiceError:
    # One wording for "missing" and "someone else's", so responses never tell them apart.
    return ServiceError(ErrorCode.NOT_FOUND, f"{what} not found")
