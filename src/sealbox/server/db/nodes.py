# SPDX-License-Identifier: AGPL-3.0-or-later
"""The nodes of each account's tree and the kept versions of its files: every statement on them.

A node's record and a folder's manifest are sealed; the server stores them as they come and reads
only the public columns (ids, parent, type, content id, manifest version).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    LargeBinary,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.sql.elements import BindParameter

from sealbox.protocol import models as m
from sealbox.server.db.batching import batched
from sealbox.server.db.engine import fields
from sealbox.server.db.schema import contents, nodes, versions

# Where a node record carries its node version (spec/metadata.md, "Node records": a public field).
RECORD_NODE_VERSION = slice(39, 47)


class NodeState(NamedTuple):
    """What a folder transaction needs to know of an existing node."""

    node_id: bytes
    parent_id: bytes | None
    node_type: str
    content_id: bytes | None
    record: bytes | None
    manifest_version: int | None


class NewNode(NamedTuple):
    node_id: bytes
    parent_id: bytes
    node_type: str
    record: bytes
    content_id: bytes | None
    manifest: bytes | None
    manifest_version: int | None


class ListedNode(NamedTuple):
    """One child in a folder listing, in the order the binary listing frames its fields."""

    node_id: bytes
    parent_id: bytes | None
    node_type: m.NodeType
    record: bytes | None
    content_id: bytes | None
    manifest_version: int | None
    size: int | None


ListedRow = tuple[
    bytes, bytes | None, m.NodeType, bytes | None, bytes | None, int | None, int | None
]
"""A :class:`ListedNode`'s values as a plain tuple, as a large listing reads them."""

FramingRow = tuple[bytes, str, bytes | None, int, int, bytes]
"""A child as :func:`framing_rows` reads it, in the order of ``protocol.listing.Row``."""


@dataclass(frozen=True, slots=True)
class ListedFolder:
    node_id: bytes
    manifest: bytes
    manifest_version: int


@dataclass(frozen=True, slots=True)
class KeptVersion:
    record: bytes
    content_id: bytes
    size: int


def _owned(user_id: bytes) -> Any:
    return nodes.c.owner_id == user_id


# The folder transaction


def load(conn: Connection, user_id: bytes, ids: Iterable[bytes]) -> dict[bytes, NodeState]:
    found: dict[bytes, NodeState] = {}
    for batch in batched(set(ids)):
        for row in conn.execute(
            select(
                nodes.c.node_id,
                nodes.c.parent_id,
                nodes.c.node_type,
                nodes.c.content_id,
                nodes.c.record,
                nodes.c.manifest_version,
            ).where(_owned(user_id) & nodes.c.node_id.in_(batch))
        ):
            found[row.node_id] = NodeState._make(row)
    return found


def parent_of(conn: Connection, user_id: bytes, node_id: bytes) -> bytes | None:
    parent: bytes | None = conn.execute(
        select(nodes.c.parent_id).where(_owned(user_id) & (nodes.c.node_id == node_id))
    ).scalar()
    return parent


def height(conn: Connection, user_id: bytes, folder_id: bytes, limit: int) -> int:
    """How many folders deep the subtree below ``folder_id`` goes (0: no sub-folders), counted no
    further than one past ``limit``."""
    tree = (
        select(nodes.c.node_id, literal(0).label("level"))
        .where(_owned(user_id) & (nodes.c.node_id == folder_id))
        .cte("tree", recursive=True)
    )
    tree = tree.union_all(
        select(nodes.c.node_id, (tree.c.level + 1).label("level")).where(
            _owned(user_id)
            & (nodes.c.parent_id == tree.c.node_id)
            & (nodes.c.node_type == "folder")
            & (tree.c.level <= limit)
        )
    )
    return int(conn.execute(select(func.max(tree.c.level))).scalar() or 0)


def subtree(conn: Connection, user_id: bytes, roots: list[bytes]) -> set[bytes]:
    """The given nodes and every node below them."""
    found: set[bytes] = set()
    for batch in batched(roots):
        tree = (
            select(nodes.c.node_id)
            .where(_owned(user_id) & nodes.c.node_id.in_(batch))
            .cte("tree", recursive=True)
        )
        tree = tree.union(
            select(nodes.c.node_id).where(_owned(user_id) & (nodes.c.parent_id == tree.c.node_id))
        )
        found.update(conn.execute(select(tree.c.node_id)).scalars())
    return found


def references(conn: Connection, user_id: bytes, content_id: bytes) -> bool:
    """Whether one of the account's nodes or kept versions names the content."""
    in_nodes = select(literal(1)).where(_owned(user_id) & (nodes.c.content_id == content_id))
    in_versions = select(literal(1)).where(
        (versions.c.owner_id == user_id) & (versions.c.content_id == content_id)
    )
    return conn.execute(in_nodes.union_all(in_versions).limit(1)).first() is not None


def set_manifest(
    conn: Connection, user_id: bytes, folder_id: bytes, manifest: bytes, version: int
) -> None:
    conn.execute(
        update(nodes)
        .where(_owned(user_id) & (nodes.c.node_id == folder_id))
        .values(manifest=manifest, manifest_version=version)
    )


def add(conn: Connection, user_id: bytes, new: list[NewNode]) -> None:
    for group in batched(new):
        conn.execute(insert(nodes), [{"owner_id": user_id, **n._asdict()} for n in group])


def move(
    conn: Connection,
    user_id: bytes,
    node_id: bytes,
    parent_id: bytes,
    record: bytes,
    content_id: bytes | None,
) -> None:
    conn.execute(
        update(nodes)
        .where(_owned(user_id) & (nodes.c.node_id == node_id))
        .values(parent_id=parent_id, record=record, content_id=content_id)
    )


def remove(conn: Connection, user_id: bytes, node_ids: Iterable[bytes]) -> set[bytes]:
    """Delete the nodes and their kept versions; returns the content ids they referenced."""
    released: set[bytes] = set()
    for batch in batched(node_ids):
        released.update(
            conn.execute(
                select(nodes.c.content_id).where(
                    _owned(user_id) & nodes.c.node_id.in_(batch) & nodes.c.content_id.is_not(None)
                )
            ).scalars()
        )
        in_batch = (versions.c.owner_id == user_id) & versions.c.node_id.in_(batch)
        released.update(conn.execute(select(versions.c.content_id).where(in_batch)).scalars())
        conn.execute(delete(versions).where(in_batch))
        conn.execute(delete(nodes).where(_owned(user_id) & nodes.c.node_id.in_(batch)))
    return released


def keep_version(conn: Connection, user_id: bytes, node: NodeState, keep: int) -> set[bytes]:
    """Keep the file's current (record, content) as its newest version and delete all but the
    ``keep`` newest; returns the content ids of the versions deleted."""
    where = (versions.c.owner_id == user_id) & (versions.c.node_id == node.node_id)
    last = conn.execute(select(func.max(versions.c.version)).where(where)).scalar()
    number = (last or 0) + 1
    conn.execute(
        insert(versions).values(
            owner_id=user_id,
            node_id=node.node_id,
            version=number,
            record=node.record,
            content_id=node.content_id,
        )
    )
    old = where & (versions.c.version <= number - keep)
    pruned: set[bytes] = set(conn.execute(select(versions.c.content_id).where(old)).scalars())
    conn.execute(delete(versions).where(old))
    return pruned


def remove_version(
    conn: Connection, user_id: bytes, node_id: bytes, node_version: int
) -> set[bytes]:
    """Delete the kept version of the node whose record carries ``node_version``; returns the
    content id it referenced (empty when no such version is kept)."""
    where = (versions.c.owner_id == user_id) & (versions.c.node_id == node_id)
    query = select(versions.c.version, versions.c.record, versions.c.content_id).where(where)
    for row in conn.execute(query).all():
        number, record, content_id = fields(row)
        if int.from_bytes(bytes(record)[RECORD_NODE_VERSION], "little") == node_version:
            conn.execute(delete(versions).where(where & (versions.c.version == number)))
            return {bytes(content_id)}
    return set()


# Reading


# Each node with its content's size (none for a folder).
_NODES_WITH_SIZE = nodes.outerjoin(contents, nodes.c.content_id == contents.c.content_id)


def _with_size() -> Any:
    return select(
        nodes.c.node_id,
        nodes.c.parent_id,
        nodes.c.node_type,
        nodes.c.record,
        nodes.c.content_id,
        nodes.c.manifest_version,
        contents.c.total_size,
    ).select_from(_NODES_WITH_SIZE)


def view(listed: ListedNode) -> m.NodeView:
    return m.NodeView(
        node_id=listed.node_id,
        parent_id=listed.parent_id,
        node_type=listed.node_type,
        record=listed.record,
        content_id=listed.content_id,
        size=listed.size,
        manifest_version=listed.manifest_version,
    )


# The statements of every listing, built once: building one and its cache key cost more CPU than
# running it on a small folder.
_OWNER: BindParameter[bytes] = bindparam("user_id")
_NODE = _with_size().where((nodes.c.owner_id == _OWNER) & (nodes.c.node_id == bindparam("node_id")))
_FOLDER = select(nodes.c.node_id, nodes.c.manifest, nodes.c.manifest_version).where(
    (nodes.c.owner_id == _OWNER)
    & (nodes.c.node_id == bindparam("node_id"))
    & (nodes.c.node_type == "folder")
)
_IN_FOLDER = (nodes.c.owner_id == _OWNER) & (nodes.c.parent_id == bindparam("folder_id"))
_CHILDREN = _with_size().where(_IN_FOLDER).order_by(nodes.c.node_id)


# A child as the binary listing frames it (protocol.listing.Row): id, type, content id, size,
# manifest version and record, a missing size or version as 0 and a missing record as empty.
_FRAMING_ROWS = (
    select(
        nodes.c.node_id,
        nodes.c.node_type,
        nodes.c.content_id,
        func.coalesce(contents.c.total_size, 0),
        func.coalesce(nodes.c.manifest_version, 0),
        func.coalesce(nodes.c.record, literal(b"", LargeBinary)),
    )
    .select_from(_NODES_WITH_SIZE)
    .where(_IN_FOLDER)
    .order_by(nodes.c.node_id)
)
_CHILD_COUNT = select(func.count()).select_from(nodes).where(_IN_FOLDER)
FRAMING_BATCH = 4000  # rows read from the driver at a time


def node(conn: Connection, user_id: bytes, node_id: bytes) -> ListedNode | None:
    row = conn.execute(_NODE, {"user_id": user_id, "node_id": node_id}).first()
    return None if row is None else ListedNode._make(row)


def folder(conn: Connection, user_id: bytes, folder_id: bytes) -> ListedFolder | None:
    row = conn.execute(_FOLDER, {"user_id": user_id, "node_id": folder_id}).first()
    return None if row is None else ListedFolder(*fields(row))


def children(conn: Connection, user_id: bytes, folder_id: bytes) -> list[ListedRow]:
    """The folder's children, ordered by node id, as plain tuples in ``ListedNode``'s order.

    A folder may hold 100,000 children (docs/benchmarks.md, issue 20), so this reads them the
    cheapest way both databases allow. ``ix_nodes_owner_parent_node`` holds a folder's children
    in node id order, so the database neither visits other nodes nor sorts. The rows are taken
    from the driver's cursor as plain tuples: the columns are bytes, text and integers, which
    both drivers (sqlite3, psycopg) return as they are, so the result processing SQLAlchemy adds
    per value and per row changes nothing. No object is made per child: ``ListedNode._make``
    only for the JSON listing.
    """
    result = conn.execute(_CHILDREN, {"user_id": user_id, "folder_id": folder_id})
    with result:
        rows: list[ListedRow] = list(result.cursor.fetchall())
    return rows


def framing_rows(conn: Connection, user_id: bytes, folder_id: bytes) -> Iterator[FramingRow]:
    """The folder's children as the binary listing frames them, read as :func:`children` reads
    them, a few thousand at a time: each row's fields come in the framing's order and form, so
    the framing takes the driver's tuples as they come and can send the first children while
    the rest are still being read."""
    result = conn.execute(_FRAMING_ROWS, {"user_id": user_id, "folder_id": folder_id})
    with result:
        fetch = result.cursor.fetchmany
        while rows := fetch(FRAMING_BATCH):
            yield from rows


def child_count(conn: Connection, user_id: bytes, folder_id: bytes) -> int:
    return conn.execute(_CHILD_COUNT, {"user_id": user_id, "folder_id": folder_id}).scalar_one()


def node_type(conn: Connection, user_id: bytes, node_id: bytes) -> str | None:
    found: str | None = conn.execute(
        select(nodes.c.node_type).where(_owned(user_id) & (nodes.c.node_id == node_id))
    ).scalar()
    return found


def kept_versions(conn: Connection, user_id: bytes, node_id: bytes) -> list[KeptVersion]:
    """The node's kept versions, newest first."""
    rows = conn.execute(
        select(versions.c.record, versions.c.content_id, contents.c.total_size)
        .select_from(versions.join(contents, versions.c.content_id == contents.c.content_id))
        .where((versions.c.owner_id == user_id) & (versions.c.node_id == node_id))
        .order_by(versions.c.version.desc())
    )
    return [KeptVersion(*fields(row)) for row in rows]
