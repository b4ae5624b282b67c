# SPDX-License-Identifier: AGPL-3.0-or-later
"""The narrow interface every blob store implements.

A blob is an immutable byte string under a key the server chooses. The server only ever stores
ciphertext here, so a blob store needs no knowledge of formats: it must store bytes durably, serve
byte ranges, and never expose a half-written blob under its final key.
"""

import os
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar

import anyio

T = TypeVar("T")


class BlobStoreError(Exception):
    """The store could not complete an operation (unreachable, refused, or failed mid-way)."""


class BlobNotFound(BlobStoreError):
    """No blob exists under the requested key."""


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    size: int


@dataclass(frozen=True, slots=True)
class StagedBlob:
    """A blob whose bytes are written but neither durable nor visible under its key yet.
    ``pending`` is the store's own handle for where the bytes wait (the filesystem store: its
    temporary file)."""

    key: str
    size: int
    pending: str


@dataclass(frozen=True, slots=True)
class FileSpan:
    """Bytes ``[offset, offset + count)`` of a blob held open as a file, for a server that sends
    files with ``sendfile``. Whoever receives a span closes it, sent or not."""

    fd: int
    offset: int
    count: int

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        os.close(self.fd)


class BlobStore(Protocol):
    async def put(self, key: str, data: AsyncIterable[bytes] | bytes) -> BlobInfo:
        """Store ``data`` under ``key``, replacing any earlier blob atomically.

        The blob becomes visible under ``key`` only once every byte is durable; a failure part way
        leaves either the old blob or none, never a prefix.
        """
        ...

    async def get_many(self, keys: list[str]) -> list[bytes]:
        """Whole small blobs, in the order asked; BlobNotFound when one is absent. For answers
        that carry many small blobs at once (the batch content download)."""
        ...

    def get(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Stream bytes ``[start, end)`` of the blob (``end=None`` means to the end).

        Raises BlobNotFound when the key is absent and ValueError for a range outside the blob.
        """
        ...

    async def stat(self, key: str) -> BlobInfo | None:
        """Return the blob's size, or None when it does not exist."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""
        ...

    def list(self, prefix: str = "") -> AsyncIterator[BlobInfo]:
        """Yield every blob whose key starts with ``prefix``, in no particular order."""
        ...

    async def close(self) -> None:
        """Release connections and other resources."""
        ...


class DirectLinks(Protocol):
    """URLs through which clients move a blob's bytes to and from the store themselves, without
    the API server (spec/http-api.md §6.6). Offered by stores that clients can reach."""

    lifetime: int  # seconds a URL stays valid

    def put_url(self, key: str, size: int, now: float) -> str:
        """A URL that stores exactly ``size`` bytes under ``key`` once, and never replaces a blob
        already there."""
        ...

    def get_url(self, key: str, now: float) -> str:
        """A URL that reads the blob under ``key``."""
        ...


class Staging(Protocol):
    """Blobs written first and made durable and visible later, many behind one durability
    barrier: what a store offers when one barrier for a group costs less than one per blob (the
    filesystem store: one ``syncfs`` instead of two ``fsync`` calls per blob). Chunk uploads that
    arrive together are published together (docs/decisions/2003)."""

    async def stage(self, key: str, data: AsyncIterable[bytes] | bytes) -> StagedBlob:
        """Write ``data`` where it is invisible under ``key``; nothing is durable yet."""
        ...

    async def publish(self, staged: list[StagedBlob]) -> None:
        """Make every staged blob durable and then visible under its key (replacing any earlier
        blob atomically), before returning. On failure none is left staged: each is either
        published whole or gone, never a prefix under its key."""
        ...

    async def publish_then(self, staged: list[StagedBlob], then: Callable[[], T]) -> T:
        """``publish``, then ``then()`` in the same worker thread, its result returned: the
        group commit records the chunks' rows right after the barrier without another hop to
        a thread and back. ``then`` is not called when the publication fails."""
        ...

    async def discard(self, staged: list[StagedBlob]) -> None:
        """Forget staged blobs that will never be published."""
        ...


class FileSpans(Protocol):
    """Blobs opened as files, so the HTTP server can hand their bytes to the kernel (``sendfile``)
    instead of reading them into memory and writing them out. Offered by stores whose blobs are
    local files (the filesystem store)."""

    async def open_span(self, key: str, start: int = 0, end: int | None = None) -> FileSpan:
        """Bytes ``[start, end)`` of the blob (``end=None``: to its end), opened. BlobNotFound
        when the key is absent; BlobStoreError when the blob is shorter than ``end``."""
        ...


def staging(store: BlobStore) -> Staging | None:
    """The store's staging, or None when it has none (it then stores each blob with ``put``)."""
    found = getattr(store, "staging", None)
    return found if found is not None else None


def direct_links(store: BlobStore) -> DirectLinks | None:
    """The store's direct links, or None when it offers none (the default everywhere)."""
    links = getattr(store, "direct", None)
    return links if links is not None else None


def file_spans(store: BlobStore) -> FileSpans | None:
    """The store's file spans, or None when its blobs are not local files."""
    spans = getattr(store, "spans", None)
    return spans if spans is not None else None


async def get_each(store: BlobStore, keys: list[str], concurrency: int = 16) -> list[bytes]:
    """``get_many`` for a store with no cheaper way: one ``get`` per blob, several at once."""
    found: list[bytes] = [b""] * len(keys)

    async def one(index: int, key: str) -> None:
        found[index] = b"".join([piece async for piece in store.get(key)])

    await _bounded([partial(one, index, key) for index, key in enumerate(keys)], concurrency)
    return found


async def _bounded(calls: list[Callable[[], Awaitable[None]]], concurrency: int) -> None:
    limiter = anyio.CapacityLimiter(concurrency)

    async def run(call: Callable[[], Awaitable[None]]) -> None:
        async with limiter:
            await call()

    try:
        async with anyio.create_task_group() as group:
            for call in calls:
                group.start_soon(run, call)
    except BaseExceptionGroup as failures:
        # Callers expect the store's own errors (BlobNotFound, BlobStoreError), not a group.
        first: BaseException = failures
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
