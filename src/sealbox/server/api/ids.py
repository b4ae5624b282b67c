# SPDX-License-Identifier: AGPL-3.0-or-later
"""Ids in URL paths: base64url, 16 bytes. A malformed id is a validation error."""

from sealbox.protocol import limits
from sealbox.protocol.errors import ErrorCode
from sealbox.protocol.models import b64decode
from sealbox.server.errors import ServiceError


def path_id(text: str, what: str) -> bytes:
    try:
        value = b64decode(text)
    except ValueError:
        value = b""
    if len(value) != limits.ID_BYTES:
        raise ServiceError(
            ErrorCode.VALIDATION, f"{what} must be {limits.ID_BYTES} bytes of base64url"
        )
    return value
