# SPDX-License-Identifier: AGPL-3.0-or-later
"""The only module that touches pyca/cryptography: AES-256-GCM for content chunks.

Content chunks are the one place Sealbox uses AES-256-GCM (spec/object-format.md, "Chunks";
docs/decisions/0901-content-cipher.md); every other primitive stays on libsodium in
``sealbox.crypto._sodium``. As there, every failure surfaces as IntegrityError, never as a
pyca exception.

OpenSSL decrypts before it checks the tag, so a failed ``decrypt_into`` leaves unauthenticated
plaintext in its output buffer. Every opening call here clears that buffer before it raises, so
no caller can hand it on (spec/object-format.md, "Reading").
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealbox.crypto.errors import ErrorCode, IntegrityError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

Buffer = bytes | bytearray | memoryview


class ChunkCipher:
    """AES-256-GCM with 16-byte tags under one key (one segment of a content object).

    The key schedule is built once here, so a caller keeps one instance per key rather than one
    per chunk. The in-place calls rely on OpenSSL's GCM accepting an output that is exactly its
    input (the same pointer), which tests/crypto checks against the allocating calls.
    """

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("AES-256-GCM takes a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, nonce: bytes, plaintext: Buffer, ad: bytes) -> bytearray:
        """The ciphertext followed by the 16-byte tag, in a new buffer."""
        _check_nonce(nonce)
        sealed = bytearray(len(plaintext) + TAG_BYTES)
        self._aead.encrypt_into(nonce, plaintext, ad, sealed)
        return sealed

    def seal_in_place(
        self, nonce: bytes, buffer: bytearray | memoryview, size: int, ad: bytes
    ) -> int:
        """Seal the ``size`` plaintext bytes at the start of ``buffer`` where they lie; the tag
        follows them, so ``buffer`` needs ``size + TAG_BYTES`` bytes. Returns the sealed length."""
        _check_nonce(nonce)
        if len(buffer) < size + TAG_BYTES:
            raise ValueError("the buffer has no room for the tag")
        view = memoryview(buffer)
        self._aead.encrypt_into(nonce, view[:size], ad, view[: size + TAG_BYTES])
        return size + TAG_BYTES

    def open(self, nonce: bytes, sealed: Buffer, ad: bytes) -> bytearray:
        """The plaintext of ``sealed`` (ciphertext followed by the tag), in a new buffer."""
        _check_nonce(nonce)
        if len(sealed) < TAG_BYTES:
            raise IntegrityError(ErrorCode.DECRYPT_FAILED)
        plaintext = bytearray(len(sealed) - TAG_BYTES)
        self._open_into(nonce, sealed, ad, memoryview(plaintext))
        return plaintext

    def open_in_place(self, nonce: bytes, buffer: bytearray | memoryview, ad: bytes) -> int:
        """Open ``buffer`` where it lies: the plaintext overwrites the ciphertext's first bytes.
        Returns the plaintext's length. On a failure the whole buffer is cleared."""
        _check_nonce(nonce)
        view = memoryview(buffer)
        size = len(view) - TAG_BYTES
        if size < 0:
            raise IntegrityError(ErrorCode.DECRYPT_FAILED)
        try:
            self._open_into(nonce, view, ad, view[:size])
        except IntegrityError:
            view[size:] = bytes(TAG_BYTES)  # the plaintext area is cleared already
            raise
        return size

    def _open_into(self, nonce: bytes, sealed: Buffer, ad: bytes, out: memoryview) -> None:
        try:
            self._aead.decrypt_into(nonce, sealed, ad, out)
        except InvalidTag:
            out[:] = bytes(len(out))  # OpenSSL wrote unauthenticated plaintext here
            raise IntegrityError(ErrorCode.DECRYPT_FAILED) from None


def _check_nonce(nonce: bytes) -> None:
    if len(nonce) != NONCE_BYTES:
        raise ValueError("AES-256-GCM here takes a 12-byte nonce")
