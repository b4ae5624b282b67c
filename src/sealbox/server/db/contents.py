# SPDX-License-Identifier: AGPL-3.0-or-later
"""Content objects: which exist, and which an account may read as their owner."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, exists, select
from sqlalchemy.sql.elements import BindParameter

from sealbox.protocol.content_layout import ContentLayout
from sealbox.server.db.batching import batched
from sealbox.server.db.schema import contents, drop_files, drops, nodes, versions


@dataclass(frozen=True, slots=True)
class StoredContent:
    content_id: bytes
    header: bytes
    chunk_size: int
    chunk_count: int
    total_size: int

    @property
    def layout(self) -> ContentLayout:
        return ContentLayout(
            header_size=len(self.header),
            chunk_size=self.chunk_size,
            chunk_count=self.chunk_count,
            total_size=self.total_size,
        )


def find(conn: Connection, content_id: bytes) -> StoredContent | None:
    row = conn.execute(select(contents).where(contents.c.content_id == content_id)).first()
    return None if row is None else StoredContent(**row._mapping)


def _owned_statement() -> Any:
    user_id: BindParameter[bytes] = bindparam("user_id")
    content_id = contents.c.content_id
    dropped = (
        select(drop_files.c.content_id)
        .select_from(drop_files.join(drops, drops.c.drop_id == drop_files.c.drop_id))
        .where((drops.c.owner_id == user_id) & (drop_files.c.content_id == content_id))
    )
    referenced = (
        exists().where((nodes.c.owner_id == user_id) & (nodes.c.content_id == content_id))
        | exists().where((versions.c.owner_id == user_id) & (versions.c.content_id == content_id))
        | exists(dropped)
    )
    return select(contents).where(content_id.in_(bindparam("ids", expanding=True)) & referenced)


# Every download asks this first: built once, since building it cost more than running it.
_OWNED = _owned_statement()


def owned(conn: Connection, user_id: bytes | None, ids: list[bytes]) -> dict[bytes, StoredContent]:
    """The contents among ``ids`` that ``user_id`` may read as the owner: referenced by one of its
    nodes or versions, or waiting in one of its drops (to check them first)."""
    found = {}
    for batch in batched(ids):
        for row in conn.execute(_OWNED, {"user_id": user_id, "ids": batch}):
            found[row.content_id] = StoredContent(**row._mapping)
    return found
