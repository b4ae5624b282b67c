# SPDX-License-Identifier: AGPL-3.0-or-later
"""Error codes every Sealbox error response carries, shared by the server and its clients.

Every error body is ``{"error": code, "message": text}``; clients branch on ``code`` and show
``message`` to people. The HTTP status is fixed per code so that a client can rely on either.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    VALIDATION = "validation_error"
    UNAUTHORIZED = "unauthorized"
    BAD_CREDENTIALS = "bad_credentials"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    USERNAME_TAKEN = "username_taken"
    USER_ID_TAKEN = "user_id_taken"
    ID_TAKEN = "id_taken"
    STALE_MANIFEST = "stale_manifest"
    UPLOAD_INCOMPLETE = "upload_incomplete"
    INVALID_TRANSACTION = "invalid_transaction"
    CYCLE = "cycle"
    BODY_TOO_LARGE = "body_too_large"
    WRONG_LENGTH = "wrong_length"
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
    QUOTA_EXCEEDED = "quota_exceeded"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    CURSOR_EXPIRED = "cursor_expired"
    LINK_EXPIRED = "link_expired"
    LINK_EXHAUSTED = "link_exhausted"
    NOT_A_CONTACT = "not_a_contact"
    # Compliance (spec/http-api.md §14).
    NOT_OUR_URL = "not_our_url"
    LINK_REMOVED = "link_removed"
    CONTENT_REMOVED = "content_removed"
    DUPLICATE_NOTICE = "duplicate_notice"
    INVALID_STATE = "invalid_state"
    ACCOUNT_SUSPENDED = "account_suspended"
    BAD_RANGE = "bad_range"
    INTERNAL = "internal_error"
    UNAVAILABLE = "unavailable"


STATUS_OF: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.VALIDATION: 422,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.BAD_CREDENTIALS: 401,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.USERNAME_TAKEN: 409,
    ErrorCode.USER_ID_TAKEN: 409,
    ErrorCode.ID_TAKEN: 409,
    ErrorCode.STALE_MANIFEST: 409,
    ErrorCode.UPLOAD_INCOMPLETE: 409,
    ErrorCode.INVALID_TRANSACTION: 400,
    ErrorCode.CYCLE: 400,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.WRONG_LENGTH: 400,
    ErrorCode.RANGE_NOT_SATISFIABLE: 416,
    ErrorCode.QUOTA_EXCEEDED: 507,
    ErrorCode.TOO_MANY_ATTEMPTS: 429,
    ErrorCode.CURSOR_EXPIRED: 410,
    ErrorCode.LINK_EXPIRED: 410,
    ErrorCode.LINK_EXHAUSTED: 410,
    ErrorCode.NOT_A_CONTACT: 403,
    ErrorCode.NOT_OUR_URL: 422,
    ErrorCode.LINK_REMOVED: 410,
    ErrorCode.CONTENT_REMOVED: 410,
    ErrorCode.DUPLICATE_NOTICE: 409,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.ACCOUNT_SUSPENDED: 403,
    ErrorCode.BAD_RANGE: 400,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
}
