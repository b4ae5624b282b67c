# SPDX-License-Identifier: AGPL-3.0-or-later
"""Takedowns on ciphertext identity: what a plan reads (links, nodes, content ids, import
lineage), what it writes (blocked links and contents, removed nodes), and the checks every read
path makes (spec/compliance.md §3.2)."""

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, insert, select, union

from sealbox.compliance.takedown import LinkTarget, NodeRef
from sealbox.server.db import accounts, feed, nodes
from sealbox.server.db.batching import batched
from sealbox.server.db.compliance_tables import (
    account_restrictions,
    blocked_contents,
    blocked_links,
    removed_nodes,
)
from sealbox.server.db.engine import fields
from sealbox.server.db.schema import content_imports, links, versions
from sealbox.server.db.schema import nodes as nodes_table


@dataclass(frozen=True, slots=True)
class Block:
    case_id: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class Removed:
    """A node a decision removed from a folder whose manifest may still list it."""

    node_id: bytes
    case_id: bytes
    reason: str


class Store:
    """The ``TakedownStore`` of sealbox.compliance, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def link(self, link_id: bytes) -> LinkTarget | None:
        row = self._conn.execute(
            select(links.c.link_id, links.c.owner_id, links.c.node_id, links.c.node_type).where(
                links.c.link_id == link_id
            )
        ).first()
        return None if row is None else LinkTarget(*fields(row))

    def content_of(self, owner_id: bytes, node_id: bytes) -> bytes | None:
        found: bytes | None = self._conn.execute(
            select(nodes_table.c.content_id).where(
                (nodes_table.c.owner_id == owner_id) & (nodes_table.c.node_id == node_id)
            )
        ).scalar()
        return found

    def links_reaching(self, content_id: bytes) -> list[bytes]:
        """Every file link whose node names the content, in any account."""
        rows = self._conn.execute(
            select(links.c.link_id)
            .select_from(
                links.join(
                    nodes_table,
                    (nodes_table.c.owner_id == links.c.owner_id)
                    & (nodes_table.c.node_id == links.c.node_id),
                )
            )
            .where(nodes_table.c.content_id == content_id)
        )
        return list(rows.scalars())

    def nodes_naming(self, content_id: bytes) -> list[NodeRef]:
        """Every node whose current content or a kept version is the content."""
        rows = self._conn.execute(
            union(
                select(nodes_table.c.owner_id, nodes_table.c.node_id).where(
                    nodes_table.c.content_id == content_id
                ),
                select(versions.c.owner_id, versions.c.node_id).where(
                    versions.c.content_id == content_id
                ),
            )
        )
        return [NodeRef(r.owner_id, r.node_id) for r in rows]


def importers(conn: Connection, content_id: bytes) -> list[bytes]:
    rows = conn.execute(
        select(content_imports.c.importer_id)
        .where(content_imports.c.content_id == content_id)
        .distinct()
    )
    return list(rows.scalars())


def link_owners(conn: Connection, link_ids: set[bytes]) -> dict[bytes, bytes]:
    rows = conn.execute(
        select(links.c.link_id, links.c.owner_id).where(links.c.link_id.in_(link_ids))
    )
    return {r.link_id: r.owner_id for r in rows}


def block_links(conn: Connection, link_ids: set[bytes], case_id: bytes, reason: str) -> None:
    for link_id in sorted(link_ids):
        conn.execute(delete(blocked_links).where(blocked_links.c.link_id == link_id))
        conn.execute(insert(blocked_links).values(link_id=link_id, case_id=case_id, reason=reason))


def block_contents(conn: Connection, content_ids: set[bytes], case_id: bytes, reason: str) -> None:
    for content_id in sorted(content_ids):
        conn.execute(delete(blocked_contents).where(blocked_contents.c.content_id == content_id))
        conn.execute(
            insert(blocked_contents).values(content_id=content_id, case_id=case_id, reason=reason)
        )


def lift(conn: Connection, case_id: bytes) -> None:
    """Undo a case's link and content blocks (a restoration or a granted appeal)."""
    conn.execute(delete(blocked_links).where(blocked_links.c.case_id == case_id))
    conn.execute(delete(blocked_contents).where(blocked_contents.c.case_id == case_id))


def remove_nodes(
    conn: Connection, refs: set[NodeRef], content_ids: set[bytes], why: Block
) -> set[bytes]:
    """Remove the nodes naming the content (and drop kept versions naming it from nodes that
    keep other content); record the removals in each account's feed and, by folder, for the
    folders' listings. Returns content ids released for the collector."""
    released: set[bytes] = set()
    by_owner: dict[bytes, set[bytes]] = {}
    for ref in refs:
        by_owner.setdefault(ref.owner_id, set()).add(ref.node_id)
    for owner_id, node_ids in sorted(by_owner.items()):
        lock = accounts.lock(conn, owner_id)
        current = {
            n: state for n, state in nodes.load(conn, owner_id, node_ids).items()
            if state.content_id in content_ids
        }  # fmt: skip
        conn.execute(
            delete(versions).where(
                (versions.c.owner_id == owner_id) & versions.c.content_id.in_(content_ids)
            )
        )
        _note_removed(conn, owner_id, {n: s.parent_id for n, s in current.items()}, why)
        released |= nodes.remove(conn, owner_id, set(current)) | content_ids
        if current:
            feed.record(conn, owner_id, lock.feed_seq + 1, dict.fromkeys(current, "remove"))
    return released


def _note_removed(
    conn: Connection, owner_id: bytes, parents: dict[bytes, bytes | None], why: Block
) -> None:
    for node_id, parent_id in sorted(parents.items()):
        if parent_id is None:
            continue
        where = (removed_nodes.c.owner_id == owner_id) & (removed_nodes.c.node_id == node_id)
        conn.execute(delete(removed_nodes).where(where))
        conn.execute(
            insert(removed_nodes).values(
                owner_id=owner_id, node_id=node_id, parent_id=parent_id,
                case_id=why.case_id, reason=why.reason,
            )
        )  # fmt: skip


# Statements of every listing and every write, built once (db/accounts.py says why).
_REMOVED_IN = (
    select(removed_nodes.c.node_id, removed_nodes.c.case_id, removed_nodes.c.reason)
    .where(
        (removed_nodes.c.owner_id == bindparam("owner_id"))
        & (removed_nodes.c.parent_id == bindparam("folder_id"))
    )
    .order_by(removed_nodes.c.node_id)
)
_CONTENT_BLOCK = (
    select(blocked_contents.c.case_id, blocked_contents.c.reason)
    .where(blocked_contents.c.content_id.in_(bindparam("ids", expanding=True)))
    .limit(1)
)
_RESTRICTION = select(account_restrictions.c.status).where(
    account_restrictions.c.user_id == bindparam("user_id")
)


def removed_in(conn: Connection, owner_id: bytes, folder_id: bytes) -> list[Removed]:
    """The nodes decisions removed from the folder (its manifest may no longer list them: the
    client matches them against the manifest, so they are kept with the folder)."""
    rows = conn.execute(_REMOVED_IN, {"owner_id": owner_id, "folder_id": folder_id})
    return [Removed(*fields(r)) for r in rows]


def link_block(conn: Connection, link_id: bytes) -> Block | None:
    row = conn.execute(
        select(blocked_links.c.case_id, blocked_links.c.reason).where(
            blocked_links.c.link_id == link_id
        )
    ).first()
    return None if row is None else Block(row.case_id, row.reason)


def content_block(conn: Connection, content_ids: list[bytes]) -> Block | None:
    """The block of the first of the content ids that is refused, if any is."""
    if not content_ids:
        return None
    row = None
    for batch in batched(content_ids):
        row = conn.execute(_CONTENT_BLOCK, {"ids": batch}).first()
        if row is not None:
            break
    return None if row is None else Block(row.case_id, row.reason)


def restriction(conn: Connection, user_id: bytes) -> str | None:
    found: str | None = conn.execute(_RESTRICTION, {"user_id": user_id}).scalar()
    return found


def restrict(conn: Connection, user_id: bytes, status: str, case_id: bytes) -> None:
    conn.execute(delete(account_restrictions).where(account_restrictions.c.user_id == user_id))
    conn.execute(
        insert(account_restrictions).values(user_id=user_id, status=status, case_id=case_id)
    )


def reinstate(conn: Connection, user_id: bytes) -> None:
    conn.execute(delete(account_restrictions).where(account_restrictions.c.user_id == user_id))
