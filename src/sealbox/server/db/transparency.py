# SPDX-License-Identifier: AGPL-3.0-or-later
"""The transparency log (spec/transparency.md): its entries, append-only, and the checkpoints
the log key signed over them.

Entries are numbered from 0 with no gap; the index is the primary key, so two servers that
append at once cannot both take one index: the loser's insert fails and it retries at the next
(``append``). On PostgreSQL appenders also take one lock first (``wait_to_append``), so they
queue instead of racing; SQLite lets one writer in at a time anyway. Nothing here updates or
deletes a row: the log only grows.
"""

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    LargeBinary,
    String,
    Table,
    func,
    insert,
    select,
    text,
)

from sealbox.server.db.engine import Connection, IntegrityError
from sealbox.server.db.schema import metadata

HASH = 32

transparency = Table(
    "transparency",
    metadata,
    # The entry's position in the log, from 0; its canonical JSON bytes (the leaf), the leaf's
    # hash (so proofs never re-hash entries) and when it was appended (seconds, UTC).
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    # The entry's kind again, so scheduled jobs find the last census or canary without parsing.
    Column("kind", String(16), nullable=False),
    Column("entry", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(HASH), nullable=False),
    Column("at", BigInteger, nullable=False),
    Index("ix_transparency_kind_at", "kind", "at"),
)

transparency_checkpoints = Table(
    "transparency_checkpoints",
    metadata,
    # One signed checkpoint per tree size the log key signed: its root and the signed note.
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(HASH), nullable=False),
    Column("note", LargeBinary, nullable=False),
)


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: bytes


def size(conn: Connection) -> int:
    """How many entries the log holds."""
    last: int | None = conn.execute(select(func.max(transparency.c.idx))).scalar_one()
    return 0 if last is None else int(last) + 1


# The key of PostgreSQL's transaction-level advisory lock that queues the log's appenders.
APPEND_LOCK = 0x5E41B0C5


def wait_to_append(conn: Connection) -> None:
    """Queue behind any other transaction appending to the log, until this one ends. Without
    it, appenders raced for the next index, and under load one could lose every try and answer
    an operator's takedown with "busy" (tests/server/test_transparency.py)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})


def try_append(conn: Connection, index: int, kind: str, entry: bytes, leaf: bytes, at: int) -> bool:
    """Store ``entry`` at ``index``; False if another writer took that index first (the
    caller's transaction stays usable: the insert runs in a savepoint)."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(transparency).values(
                    idx=index, kind=kind, entry=entry, leaf_hash=leaf, at=at
                )
            )
    except IntegrityError:
        return False
    return True


def leaf_hashes(conn: Connection, start: int, end: int) -> list[bytes]:
    """The leaf hashes of entries ``start`` ≤ i < ``end``, in order."""
    rows = conn.execute(
        select(transparency.c.leaf_hash)
        .where((transparency.c.idx >= start) & (transparency.c.idx < end))
        .order_by(transparency.c.idx)
    )
    return [bytes(row[0]) for row in rows]


def entries(conn: Connection, start: int, end: int) -> list[bytes]:
    """The entries ``start`` ≤ i < ``end``, in order."""
    rows = conn.execute(
        select(transparency.c.entry)
        .where((transparency.c.idx >= start) & (transparency.c.idx < end))
        .order_by(transparency.c.idx)
    )
    return [bytes(row[0]) for row in rows]


def latest_checkpoint(conn: Connection) -> SignedCheckpoint | None:
    row = conn.execute(
        select(
            transparency_checkpoints.c.size,
            transparency_checkpoints.c.root,
            transparency_checkpoints.c.note,
        )
        .order_by(transparency_checkpoints.c.size.desc())
        .limit(1)
    ).first()
    return None if row is None else SignedCheckpoint(int(row[0]), bytes(row[1]), bytes(row[2]))


def keep_checkpoint(conn: Connection, signed: SignedCheckpoint) -> None:
    """Store a signed checkpoint; one signed for the same size by another server already is kept
    (both sign the same root: the tree of a size never changes)."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(transparency_checkpoints).values(
                    size=signed.size, root=signed.root, note=signed.note
                )
            )
    except IntegrityError:
        pass


def last_of(conn: Connection, kind: str) -> tuple[int, bytes] | None:
    """When the latest entry of ``kind`` was appended (seconds), and the entry."""
    row = conn.execute(
        select(transparency.c.at, transparency.c.entry)
        .where(transparency.c.kind == kind)
        .order_by(transparency.c.idx.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), bytes(row[1]))
