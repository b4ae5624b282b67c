"""Counters the server exposes at ``/metrics`` in Prometheus' text format.

They count bytes and requests, never who: no label carries an account, an id or an address, so
the metrics endpoint adds nothing to what the data inventory lists (docs/data-inventory.md).
Each app gets its own registry, so several servers in one test process do not share counters.
"""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, generate_latest


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

    def render(self) -> bytes:
        return generate_latest(self.registry)
