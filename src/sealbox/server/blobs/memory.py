# SPDX-License-Identifier: AGPL-3.0-or-later
"""A blob store in process memory, for tests and for trying the server without a disk."""

from collections.abc import AsyncIterable, AsyncIterator

from sealbox.server.blobs.base import BlobInfo, BlobNotFound

PIECE = 256 * 1024


class MemoryBlobStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    async def put(self, key: str, data: AsyncIterable[bytes] | bytes) -> BlobInfo:
        if not key:
            raise ValueError("empty blob key")
        if isinstance(data, bytes):
            value = data
        else:
            # Gathered first so a failure part way never exposes a prefix under the key.
            value = b"".join([piece async for piece in data])
        self._blobs[key] = value
        return BlobInfo(key=key, size=len(value))

    async def get_many(self, keys: list[str]) -> list[bytes]:
        try:
            return [self._blobs[key] for key in keys]
        except KeyError as exc:
            raise BlobNotFound(str(exc)) from exc

    async def get(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            value = self._blobs[key]
        except KeyError as exc:
            raise BlobNotFound(key) from exc
        stop = len(value) if end is None else end
        if start < 0 or stop > len(value) or start > stop:
            raise ValueError(f"range [{start}, {stop}) outside blob of {len(value)} bytes")
        for offset in range(start, stop, PIECE):
            yield value[offset : min(offset + PIECE, stop)]

    async def stat(self, key: str) -> BlobInfo | None:
        value = self._blobs.get(key)
        return None if value is None else BlobInfo(key=key, size=len(value))

    async def delete(self, key: str) -> None:
        self._blobs.pop(key, None)

    async def list(self, prefix: str = "") -> AsyncIterator[BlobInfo]:
        for key, value in list(self._blobs.items()):
            if key.startswith(prefix):
                yield BlobInfo(key=key, size=len(value))

    async def close(self) -> None:
        self._blobs.clear()
