# SPDX-License-Identifier: AGPL-3.0-or-later
"""Typed secret keys and the source of randomness.

Keys are distinct types so that a folder key cannot be passed where a file key is expected, and
their ``repr`` never shows key bytes, so logs and tracebacks cannot leak them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

from sealbox.crypto import _sodium

RandomSource = Callable[[int], bytes]
"""Returns n random bytes. Production uses the OS; tests and vector generation inject their own."""

system_random: RandomSource = _sodium.random_bytes


class SecretKey:
    """32 secret bytes with a role given by the subclass."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) != _sodium.KEY_BYTES:
            raise ValueError(f"{type(self).__name__} must be {_sodium.KEY_BYTES} bytes")
        self._secret = bytes(secret)

    @classmethod
    def generate(cls, rng: RandomSource = system_random) -> Self:
        return cls(rng(_sodium.KEY_BYTES))

    def secret_bytes(self) -> bytes:
        """The raw key. Call sites are few and greppable on purpose."""
        return self._secret

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SecretKey)
            and type(other) is type(self)
            and _sodium.equal(self._secret, other._secret)
        )

    __hash__ = None  # type: ignore[assignment]  # keys never go into sets or dict keys.


class MasterKey(SecretKey):
    """The account's root secret; everything the account owns is reachable from it."""


class KeyEncryptionKey(SecretKey):
    """Derived from the password; only wraps the master key."""


class AuthKey(SecretKey):
    """Derived from the password or recovery key; proves knowledge to the server, opens nothing."""


class RecoveryKey(SecretKey):
    """Printed once at sign-up; wraps a second copy of the master key."""


class FolderKey(SecretKey):
    """Opens a folder's children: their keys and their metadata."""


class FileKey(SecretKey):
    """Opens one file version's content object; a new version gets a new key."""


class LinkKey(SecretKey):
    """Carried in a public link's URL fragment; opens the link secret."""


class PasswordKey(SecretKey):
    """Derived from a link password; opens a password-protected link fragment."""


def derive(key: SecretKey, subkey_id: int, context: bytes) -> bytes:
    """A subkey of ``key`` for one purpose (spec/keys.md, "Subkey derivation")."""
    if len(context) != 8:
        raise ValueError("KDF contexts are exactly 8 bytes")
    return _sodium.kdf_derive(key.secret_bytes(), subkey_id, context)
