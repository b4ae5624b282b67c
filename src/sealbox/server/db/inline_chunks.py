# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one chunk of each inline content, kept in the database beside its content row.

An inline content (sent inside the folder transaction's body, spec/http-api.md) is written in the
same database transaction as the commit that references it: durable when the transaction is
acknowledged, absent or whole after a crash, and no file per content. Its row goes with the
content's row (ON DELETE CASCADE), so whatever deletes a content object (collection, erasure,
retention) deletes its bytes in the same transaction. Contents stored before this table existed,
and every content too large to be inline, keep their chunks in the blob store
(docs/decisions/2004-inline-contents-in-the-database.md).
"""

from collections.abc import Iterable

from sqlalchemy import Column, Connection, ForeignKey, LargeBinary, Table, insert, select

from sealbox.server.db.batching import batched
from sealbox.server.db.schema import metadata

inline_chunks = Table(
    "inline_chunks",
    metadata,
    Column(
        "content_id",
        LargeBinary(16),
        ForeignKey("contents.content_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # The content's chunk 0, exactly as the blob store would hold it (ciphertext).
    Column("data", LargeBinary, nullable=False),
)


def add(conn: Connection, chunks: Iterable[tuple[bytes, bytes]]) -> None:
    """Store (content id, chunk) pairs of contents committed in the caller's transaction."""
    for group in batched(chunks):
        conn.execute(insert(inline_chunks), [{"content_id": c, "data": d} for c, d in group])


def find_many(conn: Connection, content_ids: list[bytes]) -> dict[bytes, bytes]:
    """The chunks among ``content_ids`` kept here; the others are in the blob store."""
    found: dict[bytes, bytes] = {}
    for batch in batched(content_ids):
        rows = conn.execute(
            select(inline_chunks.c.content_id, inline_chunks.c.data).where(
                inline_chunks.c.content_id.in_(batch)
            )
        )
        found.update((r.content_id, r.data) for r in rows)
    return found
