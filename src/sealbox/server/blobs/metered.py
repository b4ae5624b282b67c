# SPDX-License-Identifier: AGPL-3.0-or-later
"""A blob store that reports the failures of the store it wraps, then re-raises them.

A wrapper store in the restic style: it has the store's interface and adds one concern, so any
store (filesystem, S3, memory) is metered the same way. It knows nothing of Prometheus: it calls
``count_failure`` with the operation's name and the caller decides where that goes.
"""

from collections.abc import AsyncIterable, AsyncIterator, Callable

from sealbox.server.blobs.base import (
    BlobInfo,
    BlobNotFound,
    BlobStore,
    FileSpan,
    FileSpans,
    StagedBlob,
    Staging,
    T,
    direct_links,
    file_spans,
    staging,
)


class MeteredBlobStore:
    """Any exception counts, not only BlobStoreError: a store that fails in an unforeseen way (a
    local disk error, say) is exactly what operators need to see. A missing blob is no failure."""

    def __init__(self, inner: BlobStore, count_failure: Callable[[str], None]) -> None:
        self.inner = inner
        self._count_failure = count_failure
        # Presigning talks to no store, so there is nothing to meter: the inner store's links.
        self.direct = direct_links(inner)
        inner_spans = file_spans(inner)
        self.spans: FileSpans | None = (
            None if inner_spans is None else _MeteredSpans(inner_spans, self._count)
        )
        inner_staging = staging(inner)
        self.staging: Staging | None = (
            None if inner_staging is None else _MeteredStaging(inner_staging, self._count)
        )

    def _count(self, operation: str, error: Exception) -> None:
        if not isinstance(error, BlobNotFound):
            self._count_failure(operation)

    async def put(self, key: str, data: AsyncIterable[bytes] | bytes) -> BlobInfo:
        try:
            return await self.inner.put(key, data)
        except Exception as error:
            self._count("put", error)
            raise

    async def get_many(self, keys: list[str]) -> list[bytes]:
        try:
            return await self.inner.get_many(keys)
        except Exception as error:
            self._count("get", error)
            raise

    async def get(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            async for piece in self.inner.get(key, start, end):
                yield piece
        except Exception as error:
            self._count("get", error)
            raise

    async def stat(self, key: str) -> BlobInfo | None:
        try:
            return await self.inner.stat(key)
        except Exception as error:
            self._count("stat", error)
            raise

    async def delete(self, key: str) -> None:
        try:
            await self.inner.delete(key)
        except Exception as error:
            self._count("delete", error)
            raise

    async def list(self, prefix: str = "") -> AsyncIterator[BlobInfo]:
        try:
            async for info in self.inner.list(prefix):
                yield info
        except Exception as error:
            self._count("list", error)
            raise

    async def close(self) -> None:
        await self.inner.close()


class _MeteredStaging:
    """The inner store's staging, its failures counted as the ``put`` they stand for."""

    def __init__(self, inner: Staging, count: Callable[[str, Exception], None]) -> None:
        self._inner = inner
        self._count = count

    async def stage(self, key: str, data: AsyncIterable[bytes] | bytes) -> StagedBlob:
        try:
            return await self._inner.stage(key, data)
        except Exception as error:
            self._count("put", error)
            raise

    async def publish(self, staged: list[StagedBlob]) -> None:
        try:
            await self._inner.publish(staged)
        except Exception as error:
            self._count("put", error)
            raise

    async def publish_then(self, staged: list[StagedBlob], then: Callable[[], T]) -> T:
        published = False

        def after() -> T:
            nonlocal published
            published = True
            return then()

        try:
            return await self._inner.publish_then(staged, after)
        except Exception as error:
            if not published:  # what ``then`` raises is not the store's failure
                self._count("put", error)
            raise

    async def discard(self, staged: list[StagedBlob]) -> None:
        await self._inner.discard(staged)


class _MeteredSpans:
    """The inner store's file spans, their failures counted as the ``get`` they stand for."""

    def __init__(self, inner: FileSpans, count: Callable[[str, Exception], None]) -> None:
        self._inner = inner
        self._count = count

    async def open_span(self, key: str, start: int = 0, end: int | None = None) -> FileSpan:
        try:
            return await self._inner.open_span(key, start, end)
        except Exception as error:
            self._count("get", error)
            raise
