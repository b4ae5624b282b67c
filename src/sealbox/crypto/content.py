# SPDX-License-Identifier: AGPL-3.0-or-later
"""File contents: STREAM over AES-256-GCM with a committed header (spec/object-format.md).

A content object is a header followed by chunks. Chunk *i* is sealed under the key of its
segment (4096 chunks share one key, derived from the content key) with the nonce
``nonce_prefix (7) ‖ u32(i) ‖ final`` and the header's hash as AD, so chunks cannot be reordered,
dropped, duplicated, truncated or moved to another object, and any chunk can be encrypted or
decrypted on its own, in parallel or for an HTTP range. The header commits to the file key, so
one object cannot decrypt to different files for different readers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sealbox.crypto import _aesgcm, _blake3, _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import signed_message
from sealbox.crypto.keys import FileKey, RandomSource, derive, system_random
from sealbox.crypto.layout import (
    FORMAT_VERSION,
    ID_BYTES,
    MAGIC,
    ObjectType,
    Reader,
    check_id,
    prefix,
    u32,
)

COMMITMENT_LABEL = b"sealbox content commitment v1"
NONCE_PREFIX_BYTES = 7
COMMITMENT_BYTES = 32
HEADER_BYTES = 6 + ID_BYTES + 4 + NONCE_PREFIX_BYTES + COMMITMENT_BYTES
DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024
MIN_CHUNK_SIZE = 4 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
TAG_BYTES = _aesgcm.TAG_BYTES
SEGMENT_CHUNKS = 4096
"""Chunks sealed under one AES key: at most 64 GiB of plaintext at the largest chunk size."""
MAX_CHUNKS = 2**32
"""The chunk index is a u32 in the nonce."""
SEGMENT_CONTEXT = b"sbaesseg"
RETIRED_HEADER = MAGIC + bytes([FORMAT_VERSION, 0x09])
"""The prefix of the XChaCha20-Poly1305 content header of earlier drafts, no longer read."""

Buffer = _aesgcm.Buffer
Read = Callable[[int], Buffer]
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


PLAINTEXT_HASH_BYTES = _blake3.OUT_BYTES
PLAINTEXT_HASH_CONTEXT = b"sbplhash"


class PlaintextHasher:
    """The keyed hash of a file's plaintext (spec/object-format.md, "Plaintext hash"): keyed BLAKE3
    with a 32-byte output under ``KDF(file key, 3, "sbplhash")``. Only someone who can open the
    file can compute it, so it tells nobody else anything, not even whether a guess of the
    contents is right. Every computation and comparison of the hash goes through this class."""

    __slots__ = ("_state",)

    def __init__(self, file_key: FileKey) -> None:
        self._state = _blake3.KeyedHash(derive(file_key, 3, PLAINTEXT_HASH_CONTEXT))

    def update(self, data: Buffer) -> None:
        self._state.update(data)

    def digest(self) -> bytes:
        return self._state.digest()


def plaintext_hash(file_key: FileKey, plaintext: Buffer) -> bytes:
    """The keyed hash of a whole plaintext held in memory."""
    hasher = PlaintextHasher(file_key)
    hasher.update(plaintext)
    return hasher.digest()


def segment_key(content_key: bytes, segment: int) -> bytes:
    """The AES key of segment ``segment`` (chunks ``4096·s`` to ``4096·s + 4095``)."""
    return _sodium.kdf_derive(content_key, segment, SEGMENT_CONTEXT)


class _Segments:
    """The cipher of each chunk's segment, derived when first needed.

    Only the last segment's cipher is kept: transfers move through a file in order, so a new key
    is derived once per 4096 chunks (16 GiB at the default chunk size). Workers sealing chunks in
    parallel across a segment boundary at worst derive a key twice; the tuple is swapped whole,
    so no thread ever sees one segment's number with another's cipher.
    """

    __slots__ = ("_content_key", "_last")

    def __init__(self, content_key: bytes) -> None:
        self._content_key = content_key
        self._last: tuple[int, _aesgcm.ChunkCipher] | None = None

    def cipher(self, index: int) -> _aesgcm.ChunkCipher:
        segment = index // SEGMENT_CHUNKS
        last = self._last
        if last is not None and last[0] == segment:
            return last[1]
        cipher = _aesgcm.ChunkCipher(segment_key(self._content_key, segment))
        self._last = (segment, cipher)
        return cipher


def _nonce(nonce_prefix: bytes, index: int, final: bool) -> bytes:
    return nonce_prefix + u32(index) + (b"\x01" if final else b"\x00")


def _check_chunk(index: int, size: int, chunk_size: int, final: bool) -> None:
    """A writer's own mistake (ValueError): every chunk but the last is full, the last holds 1 to
    ``chunk_size`` bytes (0 only as the single chunk of the empty file), and the index fits."""
    full = size == chunk_size
    if not (full or (final and (size > 0 or index == 0) and size < chunk_size)):
        raise ValueError("chunk has the wrong length for its position")
    if not 0 <= index < MAX_CHUNKS:
        raise ValueError("a content object has at most 2**32 chunks")


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
        self._segments = _Segments(self._keys.content_key)
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
            raise ValueError(f"a nonce prefix is {NONCE_PREFIX_BYTES} bytes")
        return cls(file_key, content_id, chunk_size, rng=lambda _: nonce_prefix)

    @property
    def nonce_prefix(self) -> bytes:
        """The prefix of every chunk's nonce, which an upload's journal keeps to resume."""
        return self._nonce_prefix

    def encrypt_chunk(self, index: int, plaintext: Buffer, final: bool) -> bytearray:
        """Seal chunk ``index``. Every chunk but the last is exactly ``chunk_size`` bytes; the last
        has 1 to ``chunk_size`` bytes, or 0 when it is the only one (the empty file)."""
        _check_chunk(index, len(plaintext), self.chunk_size, final)
        nonce = _nonce(self._nonce_prefix, index, final)
        return self._segments.cipher(index).seal(nonce, plaintext, self.header_hash)

    def encrypt_chunk_in_place(
        self, index: int, buffer: bytearray | memoryview, size: int, final: bool
    ) -> int:
        """Seal chunk ``index`` from the first ``size`` bytes of ``buffer`` where they lie, for
        callers that reuse one buffer per chunk in flight. Returns the sealed length."""
        _check_chunk(index, size, self.chunk_size, final)
        nonce = _nonce(self._nonce_prefix, index, final)
        return self._segments.cipher(index).seal_in_place(nonce, buffer, size, self.header_hash)

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


def _read_exactly(read: Read, size: int) -> Buffer:
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


def _refuse_retired(data: bytes) -> None:
    """A header of the XChaCha20-Poly1305 chunk format of earlier drafts (type 0x09) is refused
    with a message that says so. The bytes are not authenticated yet: a server that fakes this
    prefix only changes the message of a refusal (spec/object-format.md, "Reading")."""
    if data[: len(RETIRED_HEADER)] == RETIRED_HEADER:
        raise IntegrityError(
            ErrorCode.UNSUPPORTED_VERSION,
            "the file's contents are in the XChaCha20-Poly1305 format of an earlier draft, "
            "which this client no longer reads; upload the file again",
        )


def parse_header(data: bytes) -> ContentHeader:
    _refuse_retired(data)
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
        _refuse_retired(header)  # before the hash: only the message differs from a mismatch
        if not _sodium.equal(_sodium.blake2b(header), header_hash):
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "header is not the file's header")
        parsed = parse_header(header)
        if parsed.content_id != content_id:
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "header names another content id")
        keys = _ContentKeys(file_key)
        expected = keys.commitment(header[: HEADER_BYTES - COMMITMENT_BYTES])
        if not _sodium.equal(expected, parsed.commitment):
            raise IntegrityError(ErrorCode.COMMITMENT_MISMATCH)
        self._segments = _Segments(keys.content_key)
        self._header_hash = header_hash
        self._nonce_prefix = parsed.nonce_prefix
        self.chunk_size = parsed.chunk_size
        self.size = size
        self.chunks = chunk_count(size, parsed.chunk_size)
        if self.chunks > MAX_CHUNKS:
            raise IntegrityError(ErrorCode.MALFORMED, "more chunks than a nonce can number")

    def chunk_plaintext_size(self, index: int) -> int:
        if not 0 <= index < self.chunks:
            raise ValueError("chunk index out of range")
        return min(self.chunk_size, self.size - index * self.chunk_size)

    def chunk_range(self, index: int) -> tuple[int, int]:
        """Byte range ``[start, end)`` of sealed chunk ``index`` within the content object."""
        start = HEADER_BYTES + index * (self.chunk_size + TAG_BYTES)
        return start, start + self.chunk_plaintext_size(index) + TAG_BYTES

    def decrypt_chunk(self, index: int, sealed: Buffer) -> bytearray:
        """Open chunk ``index`` alone; its position decides the nonce, never the server."""
        if len(sealed) != self.chunk_plaintext_size(index) + TAG_BYTES:
            raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index}")
        nonce = _nonce(self._nonce_prefix, index, index == self.chunks - 1)
        return self._segments.cipher(index).open(nonce, sealed, self._header_hash)

    def decrypt_chunk_in_place(self, index: int, sealed: bytearray | memoryview) -> int:
        """Open chunk ``index`` where it lies: the plaintext overwrites the start of ``sealed``.
        Returns the plaintext's length. Same checks as ``decrypt_chunk``; on a failure ``sealed``
        is cleared, so it holds nothing unauthenticated."""
        if len(sealed) != self.chunk_plaintext_size(index) + TAG_BYTES:
            raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index}")
        nonce = _nonce(self._nonce_prefix, index, index == self.chunks - 1)
        return self._segments.cipher(index).open_in_place(nonce, sealed, self._header_hash)

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
