# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one exception every failed check in this package raises.

Clients act on what the server returns only after it authenticates, so every failure to parse,
unwrap, decrypt or verify a stored object is the same kind of event: the bytes are not what an
honest writer made. One exception type keeps callers from accidentally treating some failures as
soft; the code tells tests and logs which check fired (spec/README.md, "Errors").
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Why an object was refused. The values appear in spec/vectors/*.json as ``expected_error``."""

    MALFORMED = "malformed"  # wrong length, bad field value, trailing bytes, non-canonical encoding
    BAD_MAGIC = "bad_magic"
    UNSUPPORTED_VERSION = "unsupported_version"
    WRONG_TYPE = "wrong_type"
    DECRYPT_FAILED = "decrypt_failed"  # AEAD or sealed-box authentication failed
    BAD_SIGNATURE = "bad_signature"
    COMMITMENT_MISMATCH = "commitment_mismatch"
    KDF_BELOW_FLOOR = "kdf_below_floor"
    KDF_ABOVE_CEILING = "kdf_above_ceiling"
    KEY_MISMATCH = "key_mismatch"  # unwrapped secret keys do not match the public keys they claim
    KEY_CHANGED = "key_changed"  # an identity key differs from the pinned one without endorsement
    CONTEXT_MISMATCH = "context_mismatch"  # authenticated ids differ from the ones expected
    ROLLBACK = "rollback"  # an object older than one already seen
    FORK = "fork"  # a different object with the same version as one already seen
    CHUNK_LENGTH = "chunk_length"
    CONTENT_LENGTH = "content_length"


class IntegrityError(Exception):
    """An object failed authentication, verification or parsing.

    The message is meant for people; ``code`` is meant for tests and logs. Nothing about the secret
    material involved is ever included.
    """

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        self.code = code
        message = code.value.replace("_", " ")
        super().__init__(f"{message}: {detail}" if detail else message)
