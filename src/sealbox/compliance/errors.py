# SPDX-License-Identifier: AGPL-3.0-or-later
"""Refusals of the compliance domain; the server turns each into a 4xx with its code."""


class ComplianceError(Exception):
    """A request the rules refuse. ``code`` is the wire error code (spec/http-api.md §14)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidTransition(ComplianceError):
    def __init__(self, state: str, event: str) -> None:
        super().__init__("invalid_state", f"a case in state {state!r} cannot take {event!r}")
