"""Counters the server exposes at ``/metrics`` in Prometheus' text format.

They count bytes and requests, never who: no label carries an account, an id or an address, so
the metrics endpoint adds nothing to what the data inventory lists (docs/data-inventory.md).
Requests are labelled by the route's template (``/v1/nodes/{node_id}``), never by the path a
client sent, which would carry ids. Each app gets its own registry, so several servers in one
test process do not share counters.
"""

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import Engine, func, select

from sealbox.server.blobs.base import BlobInfo, BlobNotFound, BlobStore
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import uploads

# Request latencies from a fast listing to a large chunk over a slow link.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.chunk_bytes_received = Counter(
            "sealbox_chunk_bytes_received",
            "Bytes of upload chunks accepted and stored, repeats included.",
            registry=self.registry,
        )
        self.chunks_received = Counter(
            "sealbox_chunks_received", "Upload chunks accepted and stored.", registry=self.registry
        )
        self.content_bytes_sent = Counter(
            "sealbox_content_bytes_sent",
            "Bytes of content objects served (ranges and chunks).",
            registry=self.registry,
        )
        self.content_requests = Counter(
            "sealbox_content_requests", "Content download requests served.", registry=self.registry
        )
        self.requests = Counter(
            "sealbox_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "sealbox_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response body.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.server_errors = Counter(
            "sealbox_http_server_errors",
            "Requests answered with a 5xx status, by route template.",
            ["route"],
            registry=self.registry,
        )
        self.blob_store_errors = Counter(
            "sealbox_blob_store_errors",
            "Blob-store operations that failed (a missing blob is not counted).",
            ["operation"],
            registry=self.registry,
        )
        self.open_uploads = Gauge(
            "sealbox_open_uploads",
            "Uploads started and not yet committed or expired (read at scrape time).",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MeteredBlobStore:
    """A blob store that counts the failures of the store it wraps, then re-raises them.

    Any exception counts, not only BlobStoreError: a store that fails in an unforeseen way (a
    local disk error, say) is exactly what operators need to see.
    """

    def __init__(self, inner: BlobStore, errors: Counter) -> None:
        self.inner = inner
        self._errors = errors

    def _count(self, operation: str, error: Exception) -> None:
        if not isinstance(error, BlobNotFound):
            self._errors.labels(operation).inc()

    async def put(self, key: str, data: AsyncIterable[bytes] | bytes) -> BlobInfo:
        try:
            return await self.inner.put(key, data)
        except Exception as error:
            self._count("put", error)
            raise

    async def put_many(self, items: list[tuple[str, bytes]]) -> None:
        try:
            await self.inner.put_many(items)
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


def count_open_uploads(engine: Engine) -> int:
    """Uploads in the shared database, so every server reports the same service-wide figure."""
    with read_only(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(uploads)).scalar_one())
