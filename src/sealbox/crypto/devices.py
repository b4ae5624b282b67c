# SPDX-License-Identifier: AGPL-3.0-or-later
"""A session's device name, sealed so that only the account holder can read it (spec/keys.md,
"Device names").

The name is padded to a fixed size before sealing, so the stored object does not give away its
length either; it is bound to the account and the session, so a server cannot show one session's
name against another's.
"""

from __future__ import annotations

from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import MasterKey, RandomSource, derive, system_random
from sealbox.crypto.layout import ObjectType, check_id
from sealbox.crypto.sealed import open_sealed, seal

DEVICE_NAME_BYTES = 128  # the padded plaintext; a name is 1 to 128 bytes of UTF-8 without NUL
_CONTEXT = b"sbdevnam"


def check_device_name(name: str) -> bytes:
    """The name's UTF-8, or ValueError for one that cannot be sealed."""
    raw = name.encode("utf-8")
    if not 0 < len(raw) <= DEVICE_NAME_BYTES or "\x00" in name:
        raise ValueError(f"a device name is 1 to {DEVICE_NAME_BYTES} bytes, without NUL")
    return raw


def seal_device_name(
    master_key: MasterKey,
    user_id: bytes,
    session_id: bytes,
    name: str,
    rng: RandomSource = system_random,
) -> bytes:
    padded = check_device_name(name).ljust(DEVICE_NAME_BYTES, b"\x00")
    context = check_id(user_id) + check_id(session_id)
    return seal(derive(master_key, 1, _CONTEXT), ObjectType.DEVICE_NAME, padded, context, rng)


def open_device_name(
    master_key: MasterKey, sealed: bytes, user_id: bytes, session_id: bytes
) -> str:
    """The name sealed for this account and session; IntegrityError for anything else."""
    context = check_id(user_id) + check_id(session_id)
    padded = open_sealed(
        derive(master_key, 1, _CONTEXT), sealed, ObjectType.DEVICE_NAME, context, DEVICE_NAME_BYTES
    )
    raw = padded.rstrip(b"\x00")
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError(ErrorCode.MALFORMED, "a device name that is not UTF-8") from None
    if not raw or b"\x00" in raw:
        raise IntegrityError(ErrorCode.MALFORMED, "a device name that is empty or holds NUL")
    return name
