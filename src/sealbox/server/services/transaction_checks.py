# SPDX-License-Identifier: AGPL-3.0-or-later
"""The checks of a folder transaction, before anything changes: its shape (no database needed),
a member's reach, manifest versions, removals, puts and the tree's shape afterwards.

Each raises the refusal a client gets; ``services/transaction.py`` runs them in order.
"""

from dataclasses import dataclass

from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.db import accounts, nodes
from sealbox.server.db.engine import Connection
from sealbox.server.db.nodes import NodeState
from sealbox.server.db.subtrees import within
from sealbox.server.errors import ServiceError, not_found

# Folders nest at most this deep below a top folder; clients refuse deeper trees too.
MAX_DEPTH = limits.MAX_FOLDER_DEPTH


def invalid(message: str) -> ServiceError:
    return ServiceError(ErrorCode.INVALID_TRANSACTION, message)


@dataclass(slots=True)
class Plan:
    """One transaction under way: the request, and what the database said before any change."""

    user_id: bytes
    tx: m.TransactionRequest
    uploader: bytes
    scope: bytes | None
    account: accounts.AccountLock
    known: dict[bytes, NodeState]
    puts: dict[bytes, m.NodePut]
    covered: set[bytes]
    new_folders: set[bytes]

    @property
    def special(self) -> set[bytes]:
        return {self.account.root_id, self.account.trash_id}

    def require_covered(self, folder_id: bytes | None, why: str) -> None:
        if folder_id not in self.covered and folder_id not in self.new_folders:
            raise invalid(f"{why}: the parent folder's manifest must be updated too")


def check_shape(tx: m.TransactionRequest) -> None:
    """Checks that need no database: sizes, duplicates and per-put consistency."""
    if not (tx.manifests or tx.puts or tx.removes):
        raise invalid("empty transaction")
    if len(tx.puts) > limits.MAX_NODE_PUTS:
        raise invalid(f"at most {limits.MAX_NODE_PUTS} node puts per transaction")
    if len(tx.manifests) > limits.MAX_MANIFEST_UPDATES:
        raise invalid(f"at most {limits.MAX_MANIFEST_UPDATES} manifests per transaction")
    if len(tx.removes) > limits.MAX_REMOVALS:
        raise invalid(f"at most {limits.MAX_REMOVALS} removals per transaction")
    put_ids = [p.node_id for p in tx.puts]
    folder_ids = [u.folder_id for u in tx.manifests]
    for name, ids in (("puts", put_ids), ("manifests", folder_ids), ("removes", tx.removes)):
        if len(set(ids)) != len(ids):
            raise invalid(f"duplicate ids in {name}")
    if set(put_ids) & set(tx.removes):
        raise invalid("a node cannot be put and removed in one transaction")
    inline_total = sum(_check_put_shape(put) for put in tx.puts)
    if inline_total > limits.MAX_INLINE_PER_TRANSACTION:
        raise ServiceError(
            ErrorCode.BODY_TOO_LARGE,
            f"inline content is limited to {limits.MAX_INLINE_PER_TRANSACTION} bytes per "
            "transaction; upload larger files in chunks",
        )


def _check_put_shape(put: m.NodePut) -> int:
    """Check one put on its own; returns the bytes of inline content it carries."""
    if put.node_id == put.parent_id:
        raise ServiceError(ErrorCode.CYCLE, "a node cannot be its own parent")
    if put.node_type == "folder":
        if put.content_id is not None or put.inline is not None or put.via_link:
            raise invalid("folders have no content")
        return 0
    if put.manifest is not None:
        raise invalid("files have no manifest")
    if put.via_link is not None and (put.inline is not None or put.content_id is None):
        raise invalid("an import names existing content by content_id")
    if put.inline is not None:
        if put.content_id not in (None, put.inline.content_id):
            raise invalid("content_id and inline.content_id differ")
        return len(put.inline.header) + len(put.inline.chunk)
    if put.content_id is None:
        raise invalid("a file needs a content_id or inline content")
    return 0


def check_scope(conn: Connection, plan: Plan, scope: bytes) -> None:
    """Every node a member's transaction touches lies inside the shared folder (which itself may
    only get a new manifest: its record belongs to the owner's parent folder)."""
    tx, user_id = plan.tx, plan.user_id
    new_ids = {p.node_id for p in tx.puts if p.node_id not in plan.known}
    inside: dict[bytes, bool] = {}

    def is_inside(node_id: bytes) -> bool:
        if node_id not in inside:
            inside[node_id] = within(conn, user_id, node_id, scope)
        return inside[node_id]

    for u in tx.manifests:
        if not is_inside(u.folder_id):
            raise not_found("folder")
    for node_id in tx.removes:
        if node_id == scope or not is_inside(node_id):
            raise not_found("node")
    for put in tx.puts:
        if put.node_id == scope:
            raise invalid("the shared folder itself belongs to its owner")
        if put.node_id not in new_ids and not is_inside(put.node_id):
            raise not_found("node")
        if put.parent_id not in new_ids and not is_inside(put.parent_id):
            raise not_found("parent folder")


def check_manifests(plan: Plan) -> None:
    """The optimistic-concurrency check: each folder's manifest is at the version the client saw."""
    for u in plan.tx.manifests:
        row = plan.known.get(u.folder_id)
        if row is None or row.node_type != "folder":
            raise not_found("folder")
        if row.manifest_version != u.expected_version:
            raise ServiceError(
                ErrorCode.STALE_MANIFEST,
                f"folder manifest is at version {row.manifest_version}, not {u.expected_version}",
                headers={"ETag": f'"{row.manifest_version}"'},
            )


def check_removals(plan: Plan) -> None:
    removing = set(plan.tx.removes)
    for node_id in plan.tx.removes:
        row = plan.known.get(node_id)
        if row is None:
            raise not_found("node")
        if node_id in plan.special:
            raise invalid("the root and trash folders cannot be removed")
        if row.parent_id not in removing:
            plan.require_covered(row.parent_id, "removing a node")


def check_puts(plan: Plan) -> None:
    special = plan.special
    for put in plan.tx.puts:
        row = plan.known.get(put.node_id)
        if put.node_id in special:
            raise invalid("the root and trash folders cannot be put")
        if put.parent_id in plan.puts and put.parent_id not in plan.known:
            if plan.puts[put.parent_id].node_type != "folder":
                raise invalid("a parent must be a folder")
        else:
            parent = plan.known.get(put.parent_id)
            if parent is None:
                raise not_found("parent folder")
            if parent.node_type != "folder":
                raise invalid("a parent must be a folder")
        if row is None:
            if put.node_type == "folder" and put.manifest is None:
                raise invalid("a new folder needs its first manifest")
            plan.require_covered(put.parent_id, "creating a node")
        else:
            if row.node_type != put.node_type:
                raise invalid("a node's type cannot change")
            if put.manifest is not None:
                raise invalid("an existing folder's manifest changes through manifests")
            if row.parent_id != put.parent_id:
                plan.require_covered(row.parent_id, "moving a node")
                plan.require_covered(put.parent_id, "moving a node")


def check_tree_shape(conn: Connection, plan: Plan) -> None:
    """Refuse moves that would put a folder inside its own subtree (``cycle``), and folders that
    would lie more than MAX_DEPTH below their top folder, a moved folder's subtree included
    (spec/metadata.md, "Walking a tree")."""
    user_id = plan.user_id
    final_parent = {p.node_id: p.parent_id for p in plan.tx.puts}
    depths: dict[bytes, int] = {}

    def parent_of(node_id: bytes) -> bytes | None:
        if node_id in final_parent:
            return final_parent[node_id]
        return nodes.parent_of(conn, user_id, node_id)

    def depth(node_id: bytes) -> int:
        chain: list[bytes] = []
        current: bytes | None = node_id
        while current is not None and current not in depths:
            if current in chain:
                raise ServiceError(ErrorCode.CYCLE, "a folder cannot move into its own subtree")
            if len(chain) > MAX_DEPTH + 1:
                break  # deep enough to refuse; the rest of the way up does not matter
            chain.append(current)
            current = parent_of(current)
        base = -1 if current is None else depths.get(current, MAX_DEPTH)
        for i, step in enumerate(reversed(chain)):
            depths[step] = base + 1 + i
        return depths[node_id]

    for put in plan.tx.puts:
        if put.node_type != "folder":
            continue
        row = plan.known.get(put.node_id)
        if row is not None and row.parent_id == put.parent_id:
            continue
        below = 0 if row is None else nodes.height(conn, user_id, put.node_id, MAX_DEPTH)
        if depth(put.node_id) + below > MAX_DEPTH:
            raise invalid(f"folders may nest at most {MAX_DEPTH} deep")
