# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sealed objects: the one AEAD construction every wrap and every encrypted blob uses.

Layout: ``prefix ‖ public fields ‖ nonce(24) ‖ ciphertext ‖ tag(16)``; associated data:
``prefix ‖ public fields ‖ context``. The prefix in the AD stops a blob of one type being accepted
as another, and the context binds it to where it belongs: the ids the reader expects, never ids
read from the object itself (spec/README.md, "Sealed objects").
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import RandomSource
from sealbox.crypto.layout import ObjectType, Reader, prefix


def seal(
    key: bytes,
    object_type: ObjectType,
    plaintext: bytes,
    context: bytes,
    rng: RandomSource,
    public_fields: bytes = b"",
) -> bytes:
    head = prefix(object_type) + public_fields
    nonce = rng(_sodium.NONCE_BYTES)
    return head + nonce + _sodium.aead_encrypt(key, nonce, plaintext, head + context)


@dataclass(frozen=True, slots=True)
class SealedObject:
    """A parsed but not yet authenticated sealed object."""

    head: bytes
    public_fields: bytes
    nonce: bytes
    ciphertext: bytes

    def open(self, key: bytes, context: bytes) -> bytes:
        return bytes(_sodium.aead_decrypt(key, self.nonce, self.ciphertext, self.head + context))

    def open_fixed(self, key: bytes, context: bytes, plaintext_size: int) -> bytes:
        """Open an object whose plaintext has one permitted length, such as a wrapped key."""
        plaintext = self.open(key, context)
        if len(plaintext) != plaintext_size:
            raise IntegrityError(ErrorCode.MALFORMED, "sealed plaintext has the wrong length")
        return plaintext


def parse_sealed(data: bytes, object_type: ObjectType, public_size: int = 0) -> SealedObject:
    reader = Reader(data)
    reader.prefix(object_type)
    public_fields = reader.take(public_size)
    head = reader.consumed()
    nonce = reader.take(_sodium.NONCE_BYTES)
    ciphertext = reader.rest()
    if len(ciphertext) < _sodium.TAG_BYTES:
        raise IntegrityError(ErrorCode.MALFORMED, "sealed object is truncated")
    return SealedObject(head, public_fields, nonce, ciphertext)


def open_sealed(
    key: bytes, data: bytes, object_type: ObjectType, context: bytes, plaintext_size: int
) -> bytes:
    """Parse and open an object without public fields whose plaintext has a fixed size."""
    return parse_sealed(data, object_type).open_fixed(key, context, plaintext_size)
