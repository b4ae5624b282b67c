# SPDX-License-Identifier: AGPL-3.0-or-later
"""Password to keys: Argon2id with a client-enforced floor, and the master-key wrap (spec/keys.md).

The server chooses nothing here. The salt of a new password is derived from the server id and the
username; the server returns the parameters it was given, the client refuses any below the floor
*before* deriving anything (a weak derivation would hand the server a cheap offline guess through
the auth key), and the parameters are bound into the master-key wrap.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import (
    AuthKey,
    KeyEncryptionKey,
    MasterKey,
    RandomSource,
    SecretKey,
    derive,
    system_random,
)
from sealbox.crypto.layout import ObjectType, Reader, check_id, u32, u64
from sealbox.crypto.sealed import parse_sealed, seal

SALT_BYTES = 16
MIB = 1024 * 1024
FLOOR_OPSLIMIT = 2
FLOOR_MEMLIMIT = 64 * MIB
CEILING_OPSLIMIT = 16
CEILING_MEMLIMIT = 2048 * MIB
DEFAULT_OPSLIMIT = 3
DEFAULT_MEMLIMIT = 256 * MIB
PARAMS_BYTES = 4 + 8 + SALT_BYTES
SERVER_ID_BYTES = 16
SALT_LABEL = b"sealbox password salt v1"


def derive_salt(server_id: bytes, username: str) -> bytes:
    """The salt of a new password: ``H(label ‖ 0x00 ‖ server id ‖ username)[0..16]``.

    The username (normalised, as the server stores it) is inside the hash, so whatever server id a
    server declares, no two of its accounts share a salt (spec/keys.md, "Derived salt").
    """
    if len(server_id) != SERVER_ID_BYTES:
        raise IntegrityError(ErrorCode.MALFORMED, "the server id is not 16 bytes")
    if not username:
        raise ValueError("the username is empty")
    digest = _sodium.blake2b(SALT_LABEL + b"\x00" + server_id + username.encode("utf-8"))
    return digest[:SALT_BYTES]


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id13 parameters: libsodium fixes parallelism at 1, so only passes and memory vary."""

    opslimit: int
    memlimit: int
    salt: bytes

    @classmethod
    def generate(
        cls,
        rng: RandomSource = system_random,
        opslimit: int = DEFAULT_OPSLIMIT,
        memlimit: int = DEFAULT_MEMLIMIT,
    ) -> KdfParams:
        params = cls(opslimit, memlimit, rng(SALT_BYTES))
        params.check()
        return params

    @classmethod
    def derived(
        cls,
        server_id: bytes,
        username: str,
        opslimit: int = DEFAULT_OPSLIMIT,
        memlimit: int = DEFAULT_MEMLIMIT,
    ) -> KdfParams:
        """Checked parameters for a new password, with the derived salt."""
        params = cls(opslimit, memlimit, derive_salt(server_id, username))
        params.check()
        return params

    def check(self) -> None:
        """Refuse parameters outside the floor and ceiling every client enforces (spec/keys.md)."""
        if len(self.salt) != SALT_BYTES or self.memlimit % 1024:
            raise IntegrityError(ErrorCode.MALFORMED, "KDF parameters are malformed")
        if self.opslimit < FLOOR_OPSLIMIT or self.memlimit < FLOOR_MEMLIMIT:
            raise IntegrityError(ErrorCode.KDF_BELOW_FLOOR)
        if self.opslimit > CEILING_OPSLIMIT or self.memlimit > CEILING_MEMLIMIT:
            raise IntegrityError(ErrorCode.KDF_ABOVE_CEILING)

    def encode(self) -> bytes:
        return u32(self.opslimit) + u64(self.memlimit) + self.salt

    @classmethod
    def decode(cls, data: bytes) -> KdfParams:
        reader = Reader(data)
        params = cls(reader.u32(), reader.u64(), reader.take(SALT_BYTES))
        reader.end()
        return params


def normalize_password(password: str) -> bytes:
    """NFC-normalised UTF-8. Nothing is trimmed: every character the user typed counts."""
    if not password:
        raise ValueError("the password is empty")
    return unicodedata.normalize("NFC", password).encode("utf-8")


def stretch(password: str, params: KdfParams) -> bytes:
    """Argon2id of the password, after the parameter check."""
    params.check()
    return _sodium.argon2id(
        normalize_password(password), params.salt, params.opslimit, params.memlimit
    )


@dataclass(frozen=True, slots=True)
class PasswordKeys:
    auth_key: AuthKey
    key_encryption_key: KeyEncryptionKey


def derive_password_keys(password: str, params: KdfParams) -> PasswordKeys:
    root = SecretKey(stretch(password, params))
    return PasswordKeys(
        AuthKey(derive(root, 1, b"sbpwauth")),
        KeyEncryptionKey(derive(root, 2, b"sbpwkek_")),
    )


def wrap_master_key(
    kek: KeyEncryptionKey,
    master_key: MasterKey,
    params: KdfParams,
    user_id: bytes,
    rng: RandomSource = system_random,
) -> bytes:
    check_id(user_id)
    return seal(
        kek.secret_bytes(),
        ObjectType.PASSWORD_WRAP,
        master_key.secret_bytes(),
        user_id,
        rng,
        public_fields=params.encode(),
    )


def unwrap_master_key(
    kek: KeyEncryptionKey, wrap: bytes, params: KdfParams, user_id: bytes
) -> MasterKey:
    """Open the master key with the key derived from ``params``.

    The wrap repeats the parameters; they must be the ones the key was derived with, so a server
    cannot pair a wrap with other parameters than it was made under.
    """
    check_id(user_id)
    sealed = parse_sealed(wrap, ObjectType.PASSWORD_WRAP, PARAMS_BYTES)
    if sealed.public_fields != params.encode():
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "KDF parameters differ from the wrap's")
    return MasterKey(sealed.open_fixed(kek.secret_bytes(), user_id, _sodium.KEY_BYTES))
