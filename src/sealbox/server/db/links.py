# SPDX-License-Identifier: AGPL-3.0-or-later
"""Public links, their download counts, and the imports made through them."""

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from sealbox.protocol import models as m
from sealbox.server.db.engine import fields
from sealbox.server.db.schema import accounts, content_imports, links, nodes


@dataclass(frozen=True, slots=True)
class LinkRow:
    link_id: bytes
    owner_id: bytes
    node_id: bytes
    node_type: m.NodeType
    secret: bytes
    expires_at: int | None
    max_downloads: int | None
    downloads: int
    trash_id: bytes


@dataclass(frozen=True, slots=True)
class LinkOwner:
    username: str
    identity_bundle: bytes


def node_and_specials(
    conn: Connection, user_id: bytes, node_id: bytes
) -> tuple[m.NodeType, bytes, bytes] | None:
    """The node's type and the owner's root and trash folder ids."""
    row = conn.execute(
        select(nodes.c.node_type, accounts.c.root_id, accounts.c.trash_id)
        .select_from(nodes.join(accounts, accounts.c.user_id == nodes.c.owner_id))
        .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == node_id))
    ).first()
    return None if row is None else (row.node_type, row.root_id, row.trash_id)


def exists(conn: Connection, link_id: bytes) -> bool:
    return (
        conn.execute(select(links.c.link_id).where(links.c.link_id == link_id)).first() is not None
    )


def add(
    conn: Connection,
    user_id: bytes,
    req: m.LinkCreateRequest,
    node_type: m.NodeType,
    expires_at: int | None,
) -> None:
    conn.execute(
        insert(links).values(
            link_id=req.link_id,
            owner_id=user_id,
            node_id=req.node_id,
            node_type=node_type,
            secret=req.secret,
            expires_at=expires_at,
            max_downloads=req.max_downloads,
            downloads=0,
        )
    )


def list_views(conn: Connection, user_id: bytes) -> list[m.LinkView]:
    rows = conn.execute(select(links).where(links.c.owner_id == user_id).order_by(links.c.link_id))
    return [
        m.LinkView(
            link_id=r.link_id,
            node_id=r.node_id,
            node_type=r.node_type,
            expires_at=r.expires_at,
            max_downloads=r.max_downloads,
            downloads=r.downloads,
        )
        for r in rows
    ]


def revoke(conn: Connection, user_id: bytes, link_id: bytes) -> bool:
    gone = conn.execute(
        delete(links).where((links.c.link_id == link_id) & (links.c.owner_id == user_id))
    ).rowcount
    return bool(gone)


def find(conn: Connection, link_id: bytes) -> LinkRow | None:
    row = conn.execute(
        select(links, accounts.c.trash_id)
        .select_from(links.join(accounts, accounts.c.user_id == links.c.owner_id))
        .where(links.c.link_id == link_id)
    ).first()
    return None if row is None else LinkRow(**row._mapping)


def count_download(conn: Connection, link_id: bytes) -> bool:
    """Count one download unless the limit is reached; False if it was. The guard repeats the
    limit so that two concurrent openings cannot both take the last download."""
    counted = conn.execute(
        update(links)
        .where(
            (links.c.link_id == link_id)
            & (links.c.max_downloads.is_(None) | (links.c.downloads < links.c.max_downloads))
        )
        .values(downloads=links.c.downloads + 1)
    ).rowcount
    return bool(counted)


def owner_of(conn: Connection, link_id: bytes) -> LinkOwner:
    row = conn.execute(
        select(accounts.c.username, accounts.c.identity_bundle)
        .select_from(links.join(accounts, accounts.c.user_id == links.c.owner_id))
        .where(links.c.link_id == link_id)
    ).one()
    return LinkOwner(*fields(row))


def record_import(conn: Connection, importer_id: bytes, link_id: bytes, content_id: bytes) -> None:
    """Remember that ``importer_id`` took ``content_id`` from ``link_id`` (once)."""
    seen = conn.execute(
        select(content_imports.c.content_id).where(
            (content_imports.c.content_id == content_id)
            & (content_imports.c.importer_id == importer_id)
            & (content_imports.c.link_id == link_id)
        )
    ).first()
    if seen is None:
        conn.execute(
            insert(content_imports).values(
                content_id=content_id, importer_id=importer_id, link_id=link_id
            )
        )
