# SPDX-License-Identifier: AGPL-3.0-or-later
"""The only module that touches PyNaCl (libsodium).

Every primitive the rest of the package uses is wrapped here so that each failure surfaces as
IntegrityError, never as a PyNaCl exception or a boolean (spec/README.md, "Errors"; libsodium.js
returns ``false`` from some of these calls, which is why the rule exists for every client).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from nacl import bindings as _b
from nacl._sodium import ffi as _ffi
from nacl._sodium import lib as _lib
from nacl.exceptions import BadSignatureError, CryptoError

from sealbox.crypto.errors import ErrorCode, IntegrityError

KEY_BYTES = 32
NONCE_BYTES = _b.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
TAG_BYTES = _b.crypto_aead_xchacha20poly1305_ietf_ABYTES
SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32
SEAL_OVERHEAD = _b.crypto_box_SEALBYTES
ARGON2ID = _b.crypto_pwhash_ALG_ARGON2ID13


def random_bytes(size: int) -> bytes:
    """Cryptographically secure random bytes from the operating system."""
    return os.urandom(size)


Buffer = bytes | bytearray | memoryview


# The AEAD calls go to libsodium through PyNaCl's own cffi module rather than its Python wrappers:
# the wrappers zero a fresh output buffer and then copy it into a new bytes object
# (docs/decisions/0001-libsodium-through-pynacl.md). Writing straight into a bytearray keeps one
# allocation per object and no copy. XChaCha20-Poly1305 seals the small objects (sealed.py, the
# tree's metadata); content chunks are AES-256-GCM, in _aesgcm.py
# (docs/decisions/0901-content-cipher.md).


def _check_aead_sizes(key: bytes, nonce: bytes) -> None:
    # libsodium reads exactly KEY_BYTES and NONCE_BYTES from these pointers, so check first.
    if len(key) != KEY_BYTES or len(nonce) != NONCE_BYTES:
        raise ValueError("XChaCha20-Poly1305 takes a 32-byte key and a 24-byte nonce")


def aead_encrypt(key: bytes, nonce: bytes, plaintext: Buffer, ad: bytes) -> bytearray:
    """XChaCha20-Poly1305-IETF encryption: ciphertext followed by the 16-byte tag."""
    _check_aead_sizes(key, nonce)
    size = len(plaintext)
    sealed = bytearray(size + TAG_BYTES)
    _lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
        _ffi.from_buffer(sealed), _ffi.NULL, _ffi.from_buffer(plaintext), size,
        ad, len(ad), _ffi.NULL, nonce, key,
    )  # fmt: skip
    return sealed


def aead_decrypt(key: bytes, nonce: bytes, ciphertext: Buffer, ad: bytes) -> bytearray:
    _check_aead_sizes(key, nonce)
    size = len(ciphertext)
    if size < TAG_BYTES:
        raise IntegrityError(ErrorCode.DECRYPT_FAILED)
    plaintext = bytearray(size - TAG_BYTES)
    status = _lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
        _ffi.from_buffer(plaintext), _ffi.NULL, _ffi.NULL, _ffi.from_buffer(ciphertext), size,
        ad, len(ad), nonce, key,
    )  # fmt: skip
    if status != 0:
        raise IntegrityError(ErrorCode.DECRYPT_FAILED)
    return plaintext


def aead_opener(key: bytes) -> Callable[[bytes, bytes, bytes], bytearray]:
    """:func:`aead_decrypt` under one key, checked once, for a caller that opens many small
    objects with it (a listing opens one per child): the call goes straight to libsodium with
    the nonce, ciphertext and AD passed as they are, with no buffer made for any of them."""
    if len(key) != KEY_BYTES:
        raise ValueError("XChaCha20-Poly1305 takes a 32-byte key")
    decrypt, output, null = (
        _lib.crypto_aead_xchacha20poly1305_ietf_decrypt,
        _ffi.from_buffer,
        _ffi.NULL,
    )

    def open_(nonce: bytes, ciphertext: bytes, ad: bytes) -> bytearray:
        size = len(ciphertext)
        if len(nonce) != NONCE_BYTES:
            raise ValueError("XChaCha20-Poly1305 takes a 24-byte nonce")
        if size < TAG_BYTES:
            raise IntegrityError(ErrorCode.DECRYPT_FAILED)
        plaintext = bytearray(size - TAG_BYTES)
        if decrypt(output(plaintext), null, null, ciphertext, size, ad, len(ad), nonce, key):
            raise IntegrityError(ErrorCode.DECRYPT_FAILED)
        return plaintext

    return open_


# BLAKE2b goes through Python's hashlib, which is the same function (RFC 7693, with libsodium's
# key, salt and personalisation) called from C with no Python wrapper in between: a listing hashes
# every child's record, and PyNaCl's argument checks cost ten times the hash of a 200-byte record.


def blake2b(data: Buffer, *, size: int = 32, key: bytes = b"") -> bytes:
    return hashlib.blake2b(data, digest_size=size, key=key).digest()


# The constructor itself, for the one hash taken once per child of a listing (tree.record_hash):
# a call to it with the digest size, and nothing between.
BLAKE2B = hashlib.blake2b


def kdf_derive(key: bytes, subkey_id: int, context: bytes) -> bytes:
    """libsodium's ``crypto_kdf_derive_from_key`` with a 32-byte output.

    Computed as libsodium defines it: keyed BLAKE2b of the empty string with the subkey id in the
    salt and the context in the personalisation.
    """
    salt = subkey_id.to_bytes(8, "little") + bytes(8)
    return hashlib.blake2b(digest_size=32, key=key, salt=salt, person=context + bytes(8)).digest()


def argon2id(password: bytes, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return bytes(_b.crypto_pwhash_alg(32, password, salt, opslimit, memlimit, ARGON2ID))


def sign_keypair(seed: bytes) -> tuple[bytes, bytes]:
    """The Ed25519 public key and libsodium's 64-byte secret key (seed and public key) of
    ``seed``; callers that sign often keep the secret key rather than re-deriving it each time."""
    public, secret = _b.crypto_sign_seed_keypair(seed)
    return bytes(public), bytes(secret)


def sign(secret_key: bytes, message: bytes) -> bytes:
    """A detached Ed25519 signature with a secret key from :func:`sign_keypair`."""
    return bytes(_b.crypto_sign(message, secret_key)[:SIGNATURE_BYTES])


def verify(public_key: bytes, message: bytes, signature: bytes) -> None:
    try:
        _b.crypto_sign_open(signature + message, public_key)
    except (BadSignatureError, CryptoError, ValueError):
        raise IntegrityError(ErrorCode.BAD_SIGNATURE) from None


def box_public_key(secret: bytes) -> bytes:
    return bytes(_b.crypto_scalarmult_base(secret))


def box_seal(message: bytes, public_key: bytes, ephemeral_secret: bytes) -> bytes:
    """``crypto_box_seal`` with the ephemeral key supplied by the caller.

    libsodium draws the ephemeral key internally; taking it as input makes known-answer vectors
    possible. The construction is libsodium's: nonce = BLAKE2b-192(epk ‖ pk), output = epk ‖ box.
    """
    ephemeral_public = box_public_key(ephemeral_secret)
    nonce = blake2b(ephemeral_public + public_key, size=24)
    return ephemeral_public + bytes(_b.crypto_box(message, nonce, public_key, ephemeral_secret))


def box_seal_open(sealed: bytes, public_key: bytes, secret: bytes) -> bytes:
    try:
        return bytes(_b.crypto_box_seal_open(sealed, public_key, secret))
    except (CryptoError, ValueError):
        raise IntegrityError(ErrorCode.DECRYPT_FAILED) from None


def equal(a: bytes, b: bytes) -> bool:
    """Constant-time comparison for equal-length secrets and MACs.

    The standard library's, in C: PyNaCl's ``sodium_memcmp`` is the same comparison behind
    argument checks and a foreign call, 1.2 µs against 0.05, and a download of many small files
    makes two per file."""
    return len(a) == len(b) and hmac.compare_digest(a, b)
