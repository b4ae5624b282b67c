# SPDX-License-Identifier: AGPL-3.0-or-later
"""AES-256-GCM content chunks: the wrapper, the segment keys, the index limit and the retired
XChaCha20-Poly1305 header (spec/object-format.md; docs/decisions/0901-content-cipher.md)."""

from __future__ import annotations

import os

import pytest

from sealbox.crypto import _aesgcm, content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey, derive

from .conftest import new_id

CHUNK = content.MIN_CHUNK_SIZE


def test_the_wrapper_is_standard_aes_256_gcm() -> None:
    """Test case 16 of McGrew and Viega's GCM specification (AES-256, 96-bit IV, with AD)."""
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308" * 2)
    nonce = bytes.fromhex("cafebabefacedbaddecaf888")
    ad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plain = bytes.fromhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    )
    sealed = bytes.fromhex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b"
    )
    cipher = _aesgcm.ChunkCipher(key)
    assert cipher.seal(nonce, plain, ad) == sealed
    assert cipher.open(nonce, sealed, ad) == plain
    buffer = bytearray(plain) + bytearray(_aesgcm.TAG_BYTES)
    assert cipher.seal_in_place(nonce, buffer, len(plain), ad) == len(sealed)
    assert buffer == sealed
    assert cipher.open_in_place(nonce, buffer, ad) == len(plain)
    assert buffer[: len(plain)] == plain


def test_a_failed_open_leaves_no_plaintext_behind() -> None:
    """OpenSSL writes the plaintext before it checks the tag: the wrapper must clear it."""
    cipher, nonce = _aesgcm.ChunkCipher(os.urandom(32)), os.urandom(12)
    plain = os.urandom(CHUNK)
    sealed = cipher.seal(nonce, plain, b"ad")
    for flipped in (0, len(sealed) - 1):  # a ciphertext byte, then the tag's last byte
        buffer = bytearray(sealed)
        buffer[flipped] ^= 1
        with pytest.raises(IntegrityError) as excinfo:
            cipher.open_in_place(nonce, buffer, b"ad")
        assert excinfo.value.code == ErrorCode.DECRYPT_FAILED
        assert buffer == bytes(len(sealed))
    with pytest.raises(IntegrityError) as excinfo:
        cipher.open(nonce, sealed, b"other ad")
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED


def test_the_wrapper_refuses_wrong_sizes() -> None:
    with pytest.raises(ValueError):
        _aesgcm.ChunkCipher(bytes(31))
    cipher = _aesgcm.ChunkCipher(bytes(32))
    for call in (
        lambda: cipher.seal(bytes(24), b"", b""),
        lambda: cipher.seal_in_place(bytes(11), bytearray(16), 0, b""),
        lambda: cipher.open(bytes(13), bytes(16), b""),
        lambda: cipher.open_in_place(bytes(24), bytearray(16), b""),
        lambda: cipher.seal_in_place(bytes(12), bytearray(20), 5, b""),  # no room for the tag
    ):
        with pytest.raises(ValueError):
            call()
    for opening in (
        lambda: cipher.open(bytes(12), bytes(15), b""),
        lambda: cipher.open_in_place(bytes(12), bytearray(15), b""),
    ):
        with pytest.raises(IntegrityError) as excinfo:
            opening()
        assert excinfo.value.code == ErrorCode.DECRYPT_FAILED


def _pair(
    size: int, key: FileKey | None = None
) -> tuple[content.ContentEncryptor, content.ContentDecryptor]:
    key, content_id = key or FileKey.generate(), new_id()
    encryptor = content.ContentEncryptor(key, content_id, CHUNK)
    decryptor = content.ContentDecryptor(
        key, encryptor.header, content_id, encryptor.header_hash, size
    )
    return encryptor, decryptor


def test_each_segment_of_4096_chunks_has_its_own_key() -> None:
    key = FileKey.generate()
    encryptor, decryptor = _pair((content.SEGMENT_CHUNKS + 3) * CHUNK, key)
    plain = os.urandom(CHUNK)
    boundary = content.SEGMENT_CHUNKS
    # Back and forth across the boundary: each chunk opens only at the index it was sealed for.
    for index in (0, boundary - 1, boundary, boundary + 1, 0, boundary):
        sealed = encryptor.encrypt_chunk(index, plain, final=False)
        assert decryptor.decrypt_chunk(index, sealed) == plain
    sealed = encryptor.encrypt_chunk(boundary, plain, final=False)
    for other in (0, boundary - 1):
        with pytest.raises(IntegrityError):
            decryptor.decrypt_chunk(other, sealed)
    # The spec's layout, built by hand: segment s's key from the content key, and the nonce
    # prefix ‖ u32(i) ‖ final. A writer that kept segment 0's key past the boundary makes a
    # chunk no reader opens.
    content_key = derive(key, 1, b"sbcontnt")
    segments = [_aesgcm.ChunkCipher(content.segment_key(content_key, s)) for s in (0, 1)]
    nonce = encryptor.nonce_prefix + boundary.to_bytes(4, "little") + b"\x00"
    assert segments[1].seal(nonce, plain, encryptor.header_hash) == sealed
    wrong = segments[0].seal(nonce, plain, encryptor.header_hash)
    with pytest.raises(IntegrityError):
        decryptor.decrypt_chunk(boundary, wrong)


def test_a_chunk_index_fits_in_32_bits() -> None:
    encryptor, _ = _pair(CHUNK)
    full = bytes(CHUNK)
    encryptor.encrypt_chunk(content.MAX_CHUNKS - 1, full, final=True)
    with pytest.raises(ValueError):
        encryptor.encrypt_chunk(content.MAX_CHUNKS, full, final=True)
    with pytest.raises(ValueError):
        encryptor.encrypt_chunk_in_place(content.MAX_CHUNKS, bytearray(CHUNK + 16), CHUNK, False)
    _pair(content.MAX_CHUNKS * CHUNK)  # the largest object a nonce can number
    with pytest.raises(IntegrityError) as excinfo:
        _pair(content.MAX_CHUNKS * CHUNK + 1)
    assert excinfo.value.code == ErrorCode.MALFORMED


def test_the_retired_xchacha_header_is_refused_by_name() -> None:
    key, content_id = FileKey.generate(), new_id()
    old = b"SBOX\x01\x09" + content_id + CHUNK.to_bytes(4, "little") + os.urandom(15 + 32)
    header = old[: content.HEADER_BYTES]  # what a reader fetches of it
    for refuse in (
        lambda: content.parse_header(old),
        lambda: content.ContentDecryptor(key, header, content_id, os.urandom(32), 1),
    ):
        with pytest.raises(IntegrityError) as excinfo:
            refuse()
        assert excinfo.value.code == ErrorCode.UNSUPPORTED_VERSION
        assert "earlier draft" in str(excinfo.value)
