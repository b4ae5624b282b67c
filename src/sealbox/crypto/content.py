"""File contents: STREAM over XChaCha20-Poly1305 with a committed header (spec/object-format.md).

A content object is a header followed by chunks. Chunk *i* is sealed with the nonce
``nonce_prefix ‖ le64(i) ‖ final`` and the header's hash as AD, so chunks cannot be reordered,
dropped, duplicated, truncated or moved to another object, and any chunk can be encrypted or
decrypted on its own, in parallel or for an HTTP range. The header commits to the file key, so
one object cannot decrypt to different files for different readers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import signed_message
from sealbox.crypto.keys import FileKey, RandomSource, derive, system_random
from sealbox.crypto.layout import ID_BYTES, ObjectType, Reader, check_id, prefix, u32, u64

COMMITMENT_LABEL = b"sealbox content commitment v1"
NONCE_PREFIX_BYTES = 15
COMMITMENT_BYTES = 32
HEADER_BYTES = 6 + ID_BYTES + 4 + NONCE_PREFIX_BYTES + COMMITMENT_BYTES
DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024
MIN_CHUNK_SIZE = 4 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
TAG_BYTES = _sodium.TAG_BYTES

Read = Callable[[int], "_sodium.Buffer"]
"""Returns up to n bytes, fewer only at the end of the data (like a binary file's ``read``)."""


def chunk_count(size: int, chunk_size: int) -> int:
    """Chunks for ``size`` plaintext bytes: never zero, since an empty file is one empty chunk."""
    return max(1, -(-size // chunk_size))


def encrypted_size(size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Bytes of the whole content object for ``size`` plaintext bytes."""
    return HEADER_BYTES + size + chunk_count(size, chunk_size) * TAG_BYTES


def _check_chunk_size(chunk_size: int) -> bool:
    return MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE and chunk_size & (chunk_size - 1) == 0


class _ContentKeys:
    __slots__ = ("commit_key", "content_key")

    def __init__(self, file_key: FileKey) -> None:
        self.content_key = derive(file_key, 1, b"sbcontnt")
        self.commit_key = derive(file_key, 2, b"sbcommit")

    def commitment(self, committed_fields: bytes) -> bytes:
        message = signed_message(COMMITMENT_LABEL, committed_fields)
        return _sodium.blake2b(message, key=self.commit_key)


def _nonce(nonce_prefix: bytes, index: int, final: bool) -> bytes:
    return nonce_prefix + u64(index) + (b"\x01" if final else b"\x00")


class ContentEncryptor:
    """Seals the chunks of one content object; chunks may be sealed in any order or in parallel."""

    def __init__(
        self,
        file_key: FileKey,
        content_id: bytes,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        rng: RandomSource = system_random,
    ) -> None:
        if not _check_chunk_size(chunk_size):
            raise ValueError("chunk sizes are powers of two from 4 KiB to 16 MiB")
        self._keys = _ContentKeys(file_key)
        self.chunk_size = chunk_size
        self._nonce_prefix = rng(NONCE_PREFIX_BYTES)
        committed = (
            prefix(ObjectType.CONTENT_HEADER)
            + check_id(content_id)
            + u32(chunk_size)
            + self._nonce_prefix
        )
        self.header = committed + self._keys.commitment(committed)
        self.header_hash = _sodium.blake2b(self.header)

    @classmethod
    def resume(
        cls,
        file_key: FileKey,
        content_id: bytes,
        nonce_prefix: bytes,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ContentEncryptor:
        """Go on sealing an object begun earlier (an interrupted upload), under the same file key,
        content id and nonce prefix, so chunks already stored still belong to it.

        One (key, nonce) must never seal two different plaintexts (spec/object-format.md,
        "Resuming an upload"). The caller MUST seal through this only chunks it has never sealed
        before, or a chunk it did seal whose new sealing it compares with the earlier one's tag
        before sending it (equal tags: the same bytes), and start over with a new file key,
        content id and nonce prefix otherwise.
        """
        if len(nonce_prefix) != NONCE_PREFIX_BYTES:
            raise ValueError("a nonce prefix is 15 bytes")
        return cls(file_key, content_id, chunk_size, rng=lambda _: nonce_prefix)

    @property
    def nonce_prefix(self) -> bytes:
        """The prefix of every chunk's nonce, which an upload's journal keeps to resume."""
        return self._nonce_prefix

    def encrypt_chunk(self, index: int, plaintext: _sodium.Buffer, final: bool) -> bytearray:
        """Seal chunk ``index``. Every chunk but the last is exactly ``chunk_size`` bytes; the last
        has 1 to ``chunk_size`` bytes, or 0 when it is the only one (the empty file)."""
        size = len(plaintext)
        full = size == self.chunk_size
        if not (full or (final and (size > 0 or index == 0) and size < self.chunk_size)):
            raise ValueError("chunk has the wrong length for its position")
        nonce = _nonce(self._nonce_prefix, index, final)
        return _sodium.aead_encrypt(self._keys.content_key, nonce, plaintext, self.header_hash)

    def encrypt_chunk_in_place(
        self, index: int, buffer: bytearray | memoryview, size: int, final: bool
    ) -> int:
        """Seal chunk ``index`` from the first ``size`` bytes of ``buffer`` where they lie, for
        callers that reuse one buffer per chunk in flight. Returns the sealed length."""
        full = size == self.chunk_size
        if not (full or (final and (size > 0 or index == 0) and size < self.chunk_size)):
            raise ValueError("chunk has the wrong length for its position")
        nonce = _nonce(self._nonce_prefix, index, final)
        return _sodium.aead_encrypt_in_place(
            self._keys.content_key, nonce, buffer, size, self.header_hash
        )

    def encrypt_stream(self, read: Read) -> Iterator[bytes | bytearray]:
        """Yield the header, then every sealed chunk of the data ``read`` returns.

        Memory stays at two chunks whatever the size: one read ahead tells whether the current
        chunk is the last, so the length never has to be known in advance.
        """
        yield self.header
        current = _read_exactly(read, self.chunk_size)
        index = 0
        while True:
            following = _read_exactly(read, self.chunk_size) if current else b""
            final = not following
            yield self.encrypt_chunk(index, current, final)
            if final:
                return
            current, index = following, index + 1


def _read_exactly(read: Read, size: int) -> _sodium.Buffer:
    """Read until ``size`` bytes or the end, since a pipe may return short reads mid-stream."""
    first = read(size)
    if len(first) == size or not first:
        return first  # The common case: no joining, so no copy of a 4 MiB chunk.
    parts = [first]
    remaining = size - len(first)
    while remaining:
        part = read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class ContentHeader:
    content_id: bytes
    chunk_size: int
    nonce_prefix: bytes
    commitment: bytes
    encoded: bytes


def parse_header(data: bytes) -> ContentHeader:
    reader = Reader(data)
    reader.prefix(ObjectType.CONTENT_HEADER)
    content_id = reader.take(ID_BYTES)
    chunk_size = reader.u32()
    nonce_prefix = reader.take(NONCE_PREFIX_BYTES)
    commitment = reader.take(COMMITMENT_BYTES)
    reader.end()
    if not _check_chunk_size(chunk_size):
        raise IntegrityError(ErrorCode.MALFORMED, "chunk size outside the permitted set")
    return ContentHeader(content_id, chunk_size, nonce_prefix, commitment, data)


class ContentDecryptor:
    """Opens one content object that authenticated metadata describes.

    ``content_id``, ``header_hash`` and ``size`` come from the file's sealed metadata, never from
    the server: the header must hash to ``header_hash`` and commit to ``file_key`` before any
    chunk is touched, and ``size`` fixes how many chunks there are and which one is final.
    """

    def __init__(
        self, file_key: FileKey, header: bytes, content_id: bytes, header_hash: bytes, size: int
    ) -> None:
        if not _sodium.equal(_sodium.blake2b(header), header_hash):
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "header is not the file's header")
        parsed = parse_header(header)
        if parsed.content_id != content_id:
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "header names another content id")
        keys = _ContentKeys(file_key)
        expected = keys.commitment(header[: HEADER_BYTES - COMMITMENT_BYTES])
        if not _sodium.equal(expected, parsed.commitment):
            raise IntegrityError(ErrorCode.COMMITMENT_MISMATCH)
        self._content_key = keys.content_key
        self._header_hash = header_hash
        self._nonce_prefix = parsed.nonce_prefix
        self.chunk_size = parsed.chunk_size
        self.size = size
        self.chunks = chunk_count(size, parsed.chunk_size)

    def chunk_plaintext_size(self, index: int) -> int:
        if not 0 <= index < self.chunks:
            raise ValueError("chunk index out of range")
        return min(self.chunk_size, self.size - index * self.chunk_size)

    def chunk_range(self, index: int) -> tuple[int, int]:
        """Byte range ``[start, end)`` of sealed chunk ``index`` within the content object."""
        start = HEADER_BYTES + index * (self.chunk_size + TAG_BYTES)
        return start, start + self.chunk_plaintext_size(index) + TAG_BYTES

    def decrypt_chunk(self, index: int, sealed: _sodium.Buffer) -> bytearray:
        """Open chunk ``index`` alone; its position decides the nonce, never the server."""
        if len(sealed) != self.chunk_plaintext_size(index) + TAG_BYTES:
            raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index}")
        nonce = _nonce(self._nonce_prefix, index, index == self.chunks - 1)
        return _sodium.aead_decrypt(self._content_key, nonce, sealed, self._header_hash)

    def decrypt_chunk_in_place(self, index: int, sealed: bytearray | memoryview) -> int:
        """Open chunk ``index`` where it lies: the plaintext overwrites the start of ``sealed``.
        Returns the plaintext's length. Same checks as ``decrypt_chunk``."""
        if len(sealed) != self.chunk_plaintext_size(index) + TAG_BYTES:
            raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index}")
        nonce = _nonce(self._nonce_prefix, index, index == self.chunks - 1)
        return _sodium.aead_decrypt_in_place(self._content_key, nonce, sealed, self._header_hash)

    def decrypt_stream(self, read: Read) -> Iterator[bytearray]:
        """Yield plaintext chunks read from the sealed chunks that follow the header.

        Fails on a short chunk, a missing final chunk, or any byte after the final one.
        """
        for index in range(self.chunks):
            want = self.chunk_plaintext_size(index) + TAG_BYTES
            sealed = _read_exactly(read, want)
            if len(sealed) != want:
                raise IntegrityError(ErrorCode.CONTENT_LENGTH, "content ends early")
            yield self.decrypt_chunk(index, sealed)
        if read(1):
            raise IntegrityError(ErrorCode.CONTENT_LENGTH, "bytes after the final chunk")
