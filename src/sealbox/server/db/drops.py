# SPDX-License-Identifier: AGPL-3.0-or-later
"""Drop links and the files delivered through them, waiting for their owner."""

from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from sealbox.protocol import models as m
from sealbox.server.db.engine import fields
from sealbox.server.db.schema import accounts, contents, drop_files, drops, nodes


@dataclass(frozen=True, slots=True)
class DropRow:
    drop_id: bytes
    owner_id: bytes
    folder_id: bytes
    expires_at: int | None
    trash_id: bytes


def folder_and_trash(
    conn: Connection, user_id: bytes, folder_id: bytes
) -> tuple[str, bytes] | None:
    """The node's type and the owner's trash folder id, for a node of the account."""
    row = conn.execute(
        select(nodes.c.node_type, accounts.c.trash_id)
        .select_from(nodes.join(accounts, accounts.c.user_id == nodes.c.owner_id))
        .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == folder_id))
    ).first()
    return None if row is None else (row.node_type, row.trash_id)


def exists(conn: Connection, drop_id: bytes) -> bool:
    return (
        conn.execute(select(drops.c.drop_id).where(drops.c.drop_id == drop_id)).first() is not None
    )


def owned(conn: Connection, user_id: bytes, drop_id: bytes) -> bool:
    return (
        conn.execute(
            select(drops.c.drop_id).where(
                (drops.c.drop_id == drop_id) & (drops.c.owner_id == user_id)
            )
        ).first()
        is not None
    )


def add(conn: Connection, user_id: bytes, req: m.DropCreateRequest, expires_at: int | None) -> None:
    conn.execute(
        insert(drops).values(
            drop_id=req.drop_id,
            owner_id=user_id,
            folder_id=req.folder_id,
            public_key=req.public_key,
            key_wrap=req.key_wrap,
            expires_at=expires_at,
        )
    )


def list_views(conn: Connection, user_id: bytes) -> list[m.DropView]:
    pending = (
        select(drop_files.c.drop_id, func.count().label("n"))
        .group_by(drop_files.c.drop_id)
        .subquery()
    )
    rows = conn.execute(
        select(drops, func.coalesce(pending.c.n, 0).label("pending"))
        .select_from(drops.outerjoin(pending, pending.c.drop_id == drops.c.drop_id))
        .where(drops.c.owner_id == user_id)
        .order_by(drops.c.drop_id)
    )
    return [
        m.DropView(
            drop_id=r.drop_id,
            folder_id=r.folder_id,
            public_key=r.public_key,
            key_wrap=r.key_wrap,
            pending=r.pending,
            expires_at=r.expires_at,
        )
        for r in rows
    ]


def remove(conn: Connection, drop_id: bytes) -> list[bytes]:
    """Delete the drop and its waiting files; returns their content ids."""
    released: list[bytes] = list(
        conn.execute(
            select(drop_files.c.content_id).where(drop_files.c.drop_id == drop_id)
        ).scalars()
    )
    conn.execute(delete(drop_files).where(drop_files.c.drop_id == drop_id))
    conn.execute(delete(drops).where(drops.c.drop_id == drop_id))
    return released


def rewrap(conn: Connection, user_id: bytes, drop_id: bytes, key_wrap: bytes) -> bool:
    changed = conn.execute(
        update(drops)
        .where((drops.c.drop_id == drop_id) & (drops.c.owner_id == user_id))
        .values(key_wrap=key_wrap)
    ).rowcount
    return bool(changed)


def waiting_files(conn: Connection, drop_id: bytes) -> list[m.DroppedFileView]:
    rows = conn.execute(
        select(drop_files.c.content_id, drop_files.c.sealed, contents.c.total_size)
        .select_from(drop_files.join(contents, contents.c.content_id == drop_files.c.content_id))
        .where(drop_files.c.drop_id == drop_id)
        .order_by(drop_files.c.content_id)
    )
    return [
        m.DroppedFileView(content_id=r.content_id, sealed=r.sealed, size=r.total_size) for r in rows
    ]


def reject(conn: Connection, drop_id: bytes, content_id: bytes) -> bool:
    gone = conn.execute(
        delete(drop_files).where(
            (drop_files.c.drop_id == drop_id) & (drop_files.c.content_id == content_id)
        )
    ).rowcount
    return bool(gone)


def find(conn: Connection, drop_id: bytes) -> DropRow | None:
    row = conn.execute(
        select(
            drops.c.drop_id,
            drops.c.owner_id,
            drops.c.folder_id,
            drops.c.expires_at,
            accounts.c.trash_id,
        )
        .select_from(drops.join(accounts, accounts.c.user_id == drops.c.owner_id))
        .where(drops.c.drop_id == drop_id)
    ).first()
    return None if row is None else DropRow(*fields(row))


def deliver(conn: Connection, drop_id: bytes, content_id: bytes, sealed: bytes) -> None:
    conn.execute(insert(drop_files).values(content_id=content_id, drop_id=drop_id, sealed=sealed))


def take_dropped(conn: Connection, user_id: bytes, content_id: bytes) -> bool:
    """Inside the owner's folder transaction: accept a pending dropped file into the tree. True
    when ``content_id`` was waiting in one of the owner's drops (and no longer is)."""
    waiting = conn.execute(
        select(drop_files.c.drop_id)
        .select_from(drop_files.join(drops, drops.c.drop_id == drop_files.c.drop_id))
        .where((drop_files.c.content_id == content_id) & (drops.c.owner_id == user_id))
    ).first()
    if waiting is None:
        return False
    conn.execute(delete(drop_files).where(drop_files.c.content_id == content_id))
    return True
