# SPDX-License-Identifier: AGPL-3.0-or-later
"""Counters the server exposes at ``/metrics`` in Prometheus' text format.

They count bytes and requests, never who: no label carries an account, an id or an address, so
the metrics endpoint adds nothing to what the data inventory lists (docs/data-inventory.md).
Requests are labelled by the route's template (``/v1/nodes/{node_id}``), never by the path a
client sent, which would carry ids. Each app gets its own registry, so several servers in one
test process do not share counters.
"""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

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

    def chunk_received(self, size: int) -> None:
        """One upload chunk accepted and stored, through whichever route it came."""
        self.chunks_received.inc()
        self.chunk_bytes_received.inc(size)

    def blob_store_failed(self, operation: str) -> None:
        self.blob_store_errors.labels(operation).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
