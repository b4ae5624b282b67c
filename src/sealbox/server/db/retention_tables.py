# SPDX-License-Identifier: AGPL-3.0-or-later
"""Blobs of deleted content objects and uploads waiting out the grace period before the
retention job purges them (docs/data-inventory.md, "Retention rules"); on the schema's metadata.
"""

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, Table

from sealbox.server.db.schema import metadata

blob_tombstones = Table(
    "blob_tombstones",
    metadata,
    # Only the ids of chunk blobs whose rows are gone: nothing says whose they were.
    Column("content_id", LargeBinary(16), primary_key=True),
    Column("chunk_count", Integer, nullable=False),
    Column("deleted_at", BigInteger, nullable=False, index=True),
)
