# SPDX-License-Identifier: AGPL-3.0-or-later
"""Blobs of deleted content objects and uploads waiting out the grace period before the
retention job purges them, and accounts their holder deleted while a preservation hold was in
force (docs/data-inventory.md, "Retention rules"); on the schema's metadata.
"""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, Table

from sealbox.server.db.schema import metadata

blob_tombstones = Table(
    "blob_tombstones",
    metadata,
    # Only the ids of chunk blobs whose rows are gone: nothing says whose they were.
    Column("content_id", LargeBinary(16), primary_key=True),
    Column("chunk_count", Integer, nullable=False),
    Column("deleted_at", BigInteger, nullable=False, index=True),
)

held_deletions = Table(
    "held_deletions",
    metadata,
    # One per account deleted by its holder under a preservation hold (spec/compliance.md
    # §12.4): the rows the deletion removed, kept out of every live table until the hold ends.
    Column("deletion_id", LargeBinary(16), primary_key=True),
    Column("user_id", LargeBinary(16), nullable=False, index=True),
    Column("deleted_at", BigInteger, nullable=False),
    # JSON: table name -> the removed rows, bytes in base64 (db/retention.py).
    Column("archive", LargeBinary, nullable=False),
)

held_contents = Table(
    "held_contents",
    metadata,
    # The content objects a held deletion keeps: the collector does not collect them.
    Column(
        "deletion_id",
        LargeBinary(16),
        ForeignKey("held_deletions.deletion_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("content_id", LargeBinary(16), ForeignKey("contents.content_id"), primary_key=True),
    Index("ix_held_contents_content", "content_id"),
)
