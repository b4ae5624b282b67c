# SPDX-License-Identifier: AGPL-3.0-or-later
"""The recovery key: a second, independent way to open the master key (spec/keys.md, "Recovery").

Unlike MEGA's, the recovery key is not the master key: it only wraps a copy of it, so it can be
replaced or revoked by deleting that wrap, and showing it to the user never shows the master key.
"""

from __future__ import annotations

import base64
import binascii

from sealbox.crypto import _sodium
from sealbox.crypto.keys import AuthKey, MasterKey, RandomSource, RecoveryKey, derive, system_random
from sealbox.crypto.layout import ObjectType, check_id
from sealbox.crypto.sealed import open_sealed, seal

CHECKSUM_BYTES = 3
CHECKSUM_LABEL = b"sealbox recovery key v1\x00"
GROUP = 4


def recovery_auth_key(recovery_key: RecoveryKey) -> AuthKey:
    """Proves possession of the recovery key to the server for a reset; opens nothing."""
    return AuthKey(derive(recovery_key, 2, b"sbrkauth"))


def wrap_master_key(
    recovery_key: RecoveryKey,
    master_key: MasterKey,
    user_id: bytes,
    rng: RandomSource = system_random,
) -> bytes:
    return seal(
        derive(recovery_key, 1, b"sbrkwrap"),
        ObjectType.RECOVERY_WRAP,
        master_key.secret_bytes(),
        check_id(user_id),
        rng,
    )


def unwrap_master_key(recovery_key: RecoveryKey, wrap: bytes, user_id: bytes) -> MasterKey:
    key = derive(recovery_key, 1, b"sbrkwrap")
    return MasterKey(
        open_sealed(key, wrap, ObjectType.RECOVERY_WRAP, check_id(user_id), _sodium.KEY_BYTES)
    )


def format_recovery_key(recovery_key: RecoveryKey) -> str:
    """Base32 of the key and a 3-byte checksum, in groups of four: 56 characters, 14 groups."""
    secret = recovery_key.secret_bytes()
    text = base64.b32encode(secret + _checksum(secret)).decode("ascii")
    return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))


def parse_recovery_key(text: str) -> RecoveryKey:
    """Accepts any case, spaces and hyphens; a typo fails the checksum with a clear message."""
    compact = "".join(text.split()).replace("-", "").upper()
    try:
        raw = base64.b32decode(compact)
    except (binascii.Error, ValueError):
        raise ValueError("a recovery key has 56 letters A-Z and digits 2-7") from None
    if len(raw) != _sodium.KEY_BYTES + CHECKSUM_BYTES:
        raise ValueError("a recovery key has 56 letters A-Z and digits 2-7")
    secret, checksum = raw[: _sodium.KEY_BYTES], raw[_sodium.KEY_BYTES :]
    if not _sodium.equal(_checksum(secret), checksum):
        raise ValueError("the recovery key has a typo: its checksum does not match")
    return RecoveryKey(secret)


def _checksum(secret: bytes) -> bytes:
    return _sodium.blake2b(CHECKSUM_LABEL + secret)[:CHECKSUM_BYTES]
