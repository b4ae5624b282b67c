# SPDX-License-Identifier: AGPL-3.0-or-later
"""Splitting long lists of ids into batches for ``IN (...)`` clauses."""

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Keeps IN (...) lists well under SQLite's and PostgreSQL's parameter limits.
BATCH = 500


def batched(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
