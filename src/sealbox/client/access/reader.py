# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading a file of the drive at any offset: only the chunks a read touches are fetched, each
is verified as it is decrypted, and a chunk that does not verify raises (``Tampered``) instead of
handing anything on (spec/content.md: each chunk is opened alone, its position fixing its nonce).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any

from sealbox.client.access.errors import as_os_errors
from sealbox.client.sdk import transfers
from sealbox.client.sdk.api import Api
from sealbox.crypto import content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey
from sealbox.crypto.tree import FileMetadata

Submit = Callable[[Coroutine[Any, Any, bytes]], "Future[bytes]"]


class ContentReader:
    """The verified chunks of one content object, fetched on demand (runs on the drive's loop)."""

    def __init__(self, api: Api, key: FileKey, metadata: FileMetadata) -> None:
        self.api, self.key, self.metadata = api, key, metadata
        self.decryptor: content.ContentDecryptor | None = None
        self.first: bytes | None = None  # chunk 0 of a small file, read with its header

    async def open(self) -> None:
        """Fetch and check the header (and all of a small file, which is one chunk)."""
        meta = self.metadata
        if meta.size <= transfers.INLINE_MAX:
            total = content.encrypted_size(meta.size)
            data = await self.api.content_range(meta.content_id, 0, total)
            self.decryptor = self._decryptor(data[: content.HEADER_BYTES])
            if self.decryptor.chunks != 1 or len(data) != total:
                raise IntegrityError(ErrorCode.CONTENT_LENGTH, "content has the wrong length")
            view = memoryview(data)[content.HEADER_BYTES :]
            self.first = bytes(self.decryptor.decrypt_chunk(0, view))
            return
        header, stated = await self.api.content_range_sized(
            meta.content_id, 0, content.HEADER_BYTES
        )
        self.decryptor = self._decryptor(header)
        transfers.check_geometry(self.decryptor, stated)

    def _decryptor(self, header: bytes) -> content.ContentDecryptor:
        meta = self.metadata
        return content.ContentDecryptor(
            self.key, header, meta.content_id, meta.header_hash, meta.size
        )

    async def chunk(self, index: int) -> bytes:
        """The plaintext of chunk ``index``, verified."""
        decryptor = self.opened
        if index == 0 and self.first is not None:
            return self.first
        start, end = decryptor.chunk_range(index)
        sealed = await self.api.content_range(self.metadata.content_id, start, end)
        if len(sealed) != end - start:
            raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index}")
        return bytes(decryptor.decrypt_chunk(index, sealed))

    @property
    def opened(self) -> content.ContentDecryptor:
        if self.decryptor is None:
            raise RuntimeError("the content reader was not opened")
        return self.decryptor


class RemoteReader(io.RawIOBase):
    """A read-only, seekable file over a ``ContentReader``, for blocking callers. It keeps the
    chunk being read and fetches the next one ahead while a caller reads in order: at most two
    chunks (8 MiB) in memory."""

    def __init__(self, reader: ContentReader, submit: Submit, path: str) -> None:
        super().__init__()
        self._reader, self._submit, self.path = reader, submit, path
        self.size = reader.metadata.size
        self._chunk_size = reader.opened.chunk_size
        self._position = 0
        self._held: tuple[int, bytes] | None = None
        self._ahead: tuple[int, Future[bytes]] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        if self._position >= self.size or not len(target):
            return 0
        index, within = divmod(self._position, self._chunk_size)
        plain = self._chunk(index)
        taken = plain[within : within + len(target)]
        target[: len(taken)] = taken
        self._position += len(taken)
        return len(taken)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = max(0, self.size - self._position)
        out = bytearray()
        while len(out) < size:
            piece = bytearray(min(size - len(out), self._chunk_size))
            got = self.readinto(piece)
            if not got:
                break
            out += piece[:got]
        return bytes(out)

    def readall(self) -> bytes:
        return self.read(-1)

    def _chunk(self, index: int) -> bytes:
        if self._held is not None and self._held[0] == index:
            return self._held[1]
        if self._ahead is not None and self._ahead[0] == index:
            pending = self._ahead[1]
        else:
            self._drop_ahead()
            pending = self._submit(self._reader.chunk(index))
        self._ahead = None
        with as_os_errors(self.path):
            plain = pending.result()
        self._held = (index, plain)
        if index + 1 < self._reader.opened.chunks:
            self._ahead = (index + 1, self._submit(self._reader.chunk(index + 1)))
        return plain

    def _drop_ahead(self) -> None:
        if self._ahead is not None:
            self._ahead[1].cancel()
            self._ahead = None

    def close(self) -> None:
        self._drop_ahead()
        self._held = None
        super().close()
