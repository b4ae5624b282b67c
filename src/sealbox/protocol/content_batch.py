# SPDX-License-Identifier: AGPL-3.0-or-later
"""The answer framing of the batch content download (spec/http-api.md §6.4), shared by server
and clients. All integers are big-endian; the parser is strict, like the listing's."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

MAGIC = b"SBC1"
INCLUDED, NOT_FOUND, OMITTED = 0, 1, 2
ITEM = struct.Struct(">16sBQ")


@dataclass(frozen=True, slots=True)
class BatchItem:
    content_id: bytes
    status: int  # INCLUDED, NOT_FOUND or OMITTED
    data: bytes  # the whole content object when INCLUDED, else empty


def item_head(content_id: bytes, status: int, length: int) -> bytes:
    return ITEM.pack(content_id, status, length)


def parse_batch(data: bytes) -> list[BatchItem]:
    """Every item of an answer; ValueError when it is malformed, truncated or has trailing
    bytes, since a client must not act on an answer it could only half read."""
    if data[: len(MAGIC)] != MAGIC:
        raise ValueError("not a Sealbox content batch")
    view = memoryview(data)
    offset = len(MAGIC)
    items = []
    while offset < len(data):
        if offset + ITEM.size > len(data):
            raise ValueError("content batch is truncated")
        content_id, status, length = ITEM.unpack_from(view, offset)
        offset += ITEM.size
        if status not in (INCLUDED, NOT_FOUND, OMITTED) or (status != INCLUDED and length):
            raise ValueError("content batch is malformed")
        if offset + length > len(data):
            raise ValueError("content batch is truncated")
        items.append(BatchItem(content_id, status, bytes(view[offset : offset + length])))
        offset += length
    return items


def encode_batch(items: list[BatchItem]) -> Iterator[bytes]:
    """The inverse of :func:`parse_batch` (tests use it to play a server that lies)."""
    yield MAGIC
    for item in items:
        yield item_head(item.content_id, item.status, len(item.data))
        yield item.data
