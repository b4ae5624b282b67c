# SPDX-License-Identifier: AGPL-3.0-or-later
"""Whether a node lies inside a subtree, asked of the server's parent links.

Links open a node and everything below it, so every request through a link must show that what it
reads descends from the linked node. The walk goes upwards (a node has one parent), so it costs the
node's depth, not the subtree's size.
"""

from collections.abc import Iterable

from sqlalchemy import Connection, select, union_all

from sealbox.server.db.schema import nodes, versions


def ancestors(conn: Connection, owner_id: bytes, node_ids: Iterable[bytes]) -> set[bytes]:
    """The given nodes and all their ancestors, within one account's tree."""
    start = list(node_ids)
    if not start:
        return set()
    chain = (
        select(nodes.c.node_id, nodes.c.parent_id)
        .where((nodes.c.owner_id == owner_id) & nodes.c.node_id.in_(start))
        .cte("chain", recursive=True)
    )
    chain = chain.union(
        select(nodes.c.node_id, nodes.c.parent_id).where(
            (nodes.c.owner_id == owner_id) & (nodes.c.node_id == chain.c.parent_id)
        )
    )
    return set(conn.execute(select(chain.c.node_id)).scalars())


def within(conn: Connection, owner_id: bytes, node_id: bytes, top_id: bytes) -> bool:
    """Whether ``node_id`` is ``top_id`` or lies below it."""
    return top_id in ancestors(conn, owner_id, [node_id])


def reaches_content(
    conn: Connection, owner_id: bytes, top_id: bytes, top_is_folder: bool, content_id: bytes
) -> bool:
    """Whether a node (or an earlier version of one) at or below ``top_id`` names the content."""
    holders: set[bytes] = set(
        conn.execute(
            union_all(
                select(nodes.c.node_id).where(
                    (nodes.c.owner_id == owner_id) & (nodes.c.content_id == content_id)
                ),
                select(versions.c.node_id).where(
                    (versions.c.owner_id == owner_id) & (versions.c.content_id == content_id)
                ),
            )
        ).scalars()
    )
    if not holders:
        return False
    if top_id in holders:
        return True
    return top_is_folder and top_id in ancestors(conn, owner_id, holders)
