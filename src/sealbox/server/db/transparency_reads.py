# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads of the transparency log for the report (``sealbox admin report``): the latest signed
checkpoint and the entries by index, nothing else. The tables belong to the log's own
repository (``transparency`` and ``transparency_checkpoints``, migration 0006); this module
names only the columns it reads, and never writes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, select, table

from sealbox.server.db.engine import Connection

_entries = table("transparency", column("idx"), column("entry"))
_checkpoints = table("transparency_checkpoints", column("size"), column("root"), column("note"))


@dataclass(frozen=True, slots=True)
class SignedHead:
    size: int
    root: bytes
    note: bytes  # the signed note, whose first line is the log's origin


def latest_signed(conn: Connection) -> SignedHead | None:
    """The checkpoint of the largest size the log key signed, or None before the first."""
    row = conn.execute(
        select(_checkpoints.c.size, _checkpoints.c.root, _checkpoints.c.note)
        .order_by(_checkpoints.c.size.desc())
        .limit(1)
    ).first()
    return None if row is None else SignedHead(int(row[0]), bytes(row[1]), bytes(row[2]))


def entries(conn: Connection, start: int, end: int) -> list[tuple[int, bytes]]:
    """(index, entry bytes) for start ≤ index < end, in order."""
    rows = conn.execute(
        select(_entries.c.idx, _entries.c.entry)
        .where((_entries.c.idx >= start) & (_entries.c.idx < end))
        .order_by(_entries.c.idx)
    )
    return [(int(row[0]), bytes(row[1])) for row in rows]
