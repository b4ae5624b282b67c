# SPDX-License-Identifier: AGPL-3.0-or-later
"""Generating a report from a log: the operator's side (``sealbox admin report``).

The log is reached through ``LogReader``, which the server implements over its log table (or a
client over the public routes), so this module holds no storage of its own. It reads the whole
log up to the checkpoint and checks that those entries hash to the checkpoint's root before it
counts anything: a report never rests on entries its own log does not vouch for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sealbox.compliance.report.document import (
    Head,
    ReportError,
    build_document,
    parse_entries,
    period_range,
)
from sealbox.compliance.report.period import Period
from sealbox.tlog.merkle import leaf_hash, root

BATCH = 1000  # the most entries the public route serves per call


class LogReader(Protocol):
    def head(self) -> Head:
        """The latest checkpoint (its signature checked by whoever implements this)."""
        ...

    def entries(self, start: int, end: int) -> Iterable[tuple[int, bytes]]:
        """The entries with start ≤ index < end, as (index, entry bytes), at most ``BATCH``."""
        ...


def read_log(reader: LogReader, head: Head) -> list[tuple[int, bytes]]:
    """Every entry of the tree ``head`` names, in order, checked against its root."""
    read: list[tuple[int, bytes]] = []
    while len(read) < head.size:
        start = len(read)
        batch = list(reader.entries(start, min(start + BATCH, head.size)))
        if not batch:
            raise ReportError(f"the log gave no entries from index {start} of {head.size}")
        for index, data in batch:
            if index != len(read):
                raise ReportError(f"the log gave entry {index} where {len(read)} was expected")
            read.append((index, data))
    if root([leaf_hash(data) for _, data in read]) != head.root:
        raise ReportError(
            f"the log's {head.size} entries do not hash to its checkpoint's root: "
            "the log table and its checkpoints disagree; do not publish a report from it"
        )
    return read


def generate(period: Period, reader: LogReader) -> dict[str, Any]:
    """The report for ``period`` from the log as of its latest checkpoint."""
    head = reader.head()
    entries = parse_entries(read_log(reader, head))
    return build_document(period, head, period_range(period, entries, head.size), entries)
