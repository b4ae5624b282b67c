"""The drive: nodes, folder manifests, the folder transaction, listings and file versions.

Every structural change goes through ``apply``: one atomic transaction of manifest updates (each
guarded by the version the client last saw), node puts and node removals. The server cannot read
manifests or records; it checks what it can see (ownership, types, parents, versions, cycles,
quota) so that a hostile or buggy client can break only its own sealed data, never the tree's shape.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy import Connection, Engine, Row, delete, func, insert, literal, select, update

from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import accounts, contents, feed, nodes, uploads, versions
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.accounts import usage
from sealbox.server.services.drops import take_dropped
from sealbox.server.services.links import LinkService, record_import
from sealbox.server.services.sql import batched, lock_account
from sealbox.server.services.subtrees import reaches_content, within
from sealbox.server.services.uploads import UploadService, commit_inline, commit_upload
from sealbox.server.settings import Settings

# Folders nest at most this deep below a top folder; clients refuse deeper trees too.
MAX_DEPTH = limits.MAX_FOLDER_DEPTH
# Where a node record carries its node version (spec/metadata.md, "Node records": a public field).
RECORD_NODE_VERSION = slice(39, 47)


def invalid(message: str) -> ServiceError:
    return ServiceError(ErrorCode.INVALID_TRANSACTION, message)


@dataclass(slots=True)
class TransactionOutcome:
    seq: int
    manifest_versions: dict[bytes, int]
    # Content ids that lost a reference; the collector deletes those nothing references any more.
    released: set[bytes] = field(default_factory=set)


class DriveService:
    def __init__(
        self,
        engine: Engine,
        uploads_service: UploadService,
        links_service: LinkService,
        settings: Settings,
    ) -> None:
        self._engine = engine
        self._uploads = uploads_service
        self._links = links_service
        self._settings = settings

    # The folder transaction

    async def apply(
        self,
        user_id: bytes,
        tx: m.TransactionRequest,
        *,
        actor: bytes | None = None,
        scope: bytes | None = None,
    ) -> TransactionOutcome:
        """Apply ``tx`` to ``user_id``'s tree. A write member of a share passes itself as
        ``actor`` (whose uploads the files may commit) and the shared folder as ``scope``, the
        subtree every node the transaction touches must lie in."""
        self._check_shape(tx)
        if scope is not None and any(p.via_link for p in tx.puts):
            raise invalid("imports go into the importer's own drive")
        uploader = actor or user_id
        # Inline files are stored first under reserved ids; the transaction below commits them.
        inline = [p.inline for p in tx.puts if p.inline is not None]
        if inline:
            await self._uploads.store_inline(uploader, inline)
        try:
            return await to_thread.run_sync(partial(self._apply, user_id, tx, uploader, scope))
        except BaseException:
            for content in inline:
                try:
                    await self._uploads.abort(uploader, content.content_id)
                except ServiceError:
                    continue
            raise

    def _check_shape(self, tx: m.TransactionRequest) -> None:
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
        inline_total = 0
        for put in tx.puts:
            if put.node_id == put.parent_id:
                raise ServiceError(ErrorCode.CYCLE, "a node cannot be its own parent")
            if put.node_type == "folder":
                if put.content_id is not None or put.inline is not None or put.via_link:
                    raise invalid("folders have no content")
            else:
                if put.manifest is not None:
                    raise invalid("files have no manifest")
                if put.via_link is not None and (put.inline is not None or put.content_id is None):
                    raise invalid("an import names existing content by content_id")
                if put.inline is not None:
                    if put.content_id not in (None, put.inline.content_id):
                        raise invalid("content_id and inline.content_id differ")
                    inline_total += len(put.inline.header) + len(put.inline.chunk)
                elif put.content_id is None:
                    raise invalid("a file needs a content_id or inline content")
        if inline_total > limits.MAX_INLINE_PER_TRANSACTION:
            raise ServiceError(
                ErrorCode.BODY_TOO_LARGE,
                f"inline content is limited to {limits.MAX_INLINE_PER_TRANSACTION} bytes per "
                "transaction; upload larger files in chunks",
            )

    def _load(
        self, conn: Connection, user_id: bytes, ids: Iterable[bytes]
    ) -> dict[bytes, Row[Any]]:
        found: dict[bytes, Row[Any]] = {}
        for batch in batched(set(ids)):
            for row in conn.execute(
                select(
                    nodes.c.node_id,
                    nodes.c.parent_id,
                    nodes.c.node_type,
                    nodes.c.content_id,
                    nodes.c.record,
                    nodes.c.manifest_version,
                ).where((nodes.c.owner_id == user_id) & nodes.c.node_id.in_(batch))
            ):
                found[row.node_id] = row
        return found

    def _apply(
        self, user_id: bytes, tx: m.TransactionRequest, uploader: bytes, scope: bytes | None
    ) -> TransactionOutcome:
        with self._engine.begin() as conn:
            account = lock_account(conn, user_id)
            special = {account.root_id, account.trash_id}
            puts = {p.node_id: p for p in tx.puts}
            wanted = set(puts) | {p.parent_id for p in tx.puts} | set(tx.removes)
            wanted |= {u.folder_id for u in tx.manifests}
            known = self._load(conn, user_id, wanted)
            covered = {u.folder_id for u in tx.manifests}
            new_folders = {
                p.node_id for p in tx.puts if p.node_type == "folder" and p.node_id not in known
            }

            def require_covered(folder_id: bytes, why: str) -> None:
                if folder_id not in covered and folder_id not in new_folders:
                    raise invalid(f"{why}: the parent folder's manifest must be updated too")

            # A member's reach first, so that nothing below tells them about folders outside
            # their share (not even a manifest version in a stale_manifest answer).
            if scope is not None:
                self._check_scope(conn, user_id, tx, known, scope)

            # Manifest updates: the optimistic-concurrency check.
            for u in tx.manifests:
                row = known.get(u.folder_id)
                if row is None or row.node_type != "folder":
                    raise not_found("folder")
                if row.manifest_version != u.expected_version:
                    raise ServiceError(
                        ErrorCode.STALE_MANIFEST,
                        f"folder manifest is at version {row.manifest_version}, "
                        f"not {u.expected_version}",
                        headers={"ETag": f'"{row.manifest_version}"'},
                    )

            # Removals.
            removing = set(tx.removes)
            for node_id in tx.removes:
                row = known.get(node_id)
                if row is None:
                    raise not_found("node")
                if node_id in special:
                    raise invalid("the root and trash folders cannot be removed")
                if row.parent_id not in removing:
                    require_covered(row.parent_id, "removing a node")

            # Puts.
            for put in tx.puts:
                row = known.get(put.node_id)
                if put.node_id in special:
                    raise invalid("the root and trash folders cannot be put")
                parent_is_new = put.parent_id in puts and put.parent_id not in known
                if parent_is_new:
                    if puts[put.parent_id].node_type != "folder":
                        raise invalid("a parent must be a folder")
                else:
                    parent = known.get(put.parent_id)
                    if parent is None:
                        raise not_found("parent folder")
                    if parent.node_type != "folder":
                        raise invalid("a parent must be a folder")
                if row is None:
                    if put.node_type == "folder" and put.manifest is None:
                        raise invalid("a new folder needs its first manifest")
                    require_covered(put.parent_id, "creating a node")
                else:
                    if row.node_type != put.node_type:
                        raise invalid("a node's type cannot change")
                    if put.manifest is not None:
                        raise invalid("an existing folder's manifest changes through manifests")
                    if row.parent_id != put.parent_id:
                        require_covered(row.parent_id, "moving a node")
                        require_covered(put.parent_id, "moving a node")
            self._check_tree_shape(conn, user_id, tx, known)

            # Contents referenced by file puts.
            added_content = False
            # Content ids already accepted in this transaction: a batch of copies of one object
            # costs one check, and two new nodes may share a content committed here.
            accepted: set[bytes] = set()
            inline_ids: list[bytes] = []
            for put in tx.puts:
                if put.node_type != "file":
                    continue
                content_id = put.inline.content_id if put.inline else put.content_id
                if content_id is None:
                    raise invalid("a file needs a content_id or inline content")
                row = known.get(put.node_id)
                if content_id in accepted or (row is not None and row.content_id == content_id):
                    continue
                accepted.add(content_id)
                if put.inline is not None:
                    inline_ids.append(content_id)
                    added_content = True
                elif self._is_upload(conn, uploader, content_id):
                    commit_upload(conn, uploader, content_id)
                    added_content = True
                elif scope is not None:
                    # A member may copy only what the share lets them read.
                    if not reaches_content(conn, user_id, scope, True, content_id):
                        raise not_found("content")
                elif self._references(conn, user_id, content_id):
                    pass
                elif take_dropped(conn, user_id, content_id):
                    # A file delivered through one of the owner's drops, accepted into the tree.
                    pass
                elif put.via_link is not None and self._links.reaches_content(
                    conn, put.via_link, content_id
                ):
                    # An import: the caller now references content another account stored.
                    record_import(conn, user_id, put.via_link, content_id)
                    added_content = True
                else:
                    raise not_found("content")

            commit_inline(conn, uploader, inline_ids)

            outcome = TransactionOutcome(seq=account.feed_seq + 1, manifest_versions={})
            changes: dict[bytes, str] = {}

            # Apply manifests.
            for u in tx.manifests:
                version = u.expected_version + 1
                conn.execute(
                    update(nodes)
                    .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == u.folder_id))
                    .values(manifest=u.manifest, manifest_version=version)
                )
                outcome.manifest_versions[u.folder_id] = version
                changes[u.folder_id] = "manifest"

            # Apply puts; new nodes go in as one batch.
            new_rows: list[dict[str, Any]] = []
            for put in tx.puts:
                content_id = put.inline.content_id if put.inline else put.content_id
                row = known.get(put.node_id)
                if row is None:
                    new_rows.append(
                        {
                            "owner_id": user_id,
                            "node_id": put.node_id,
                            "parent_id": put.parent_id,
                            "node_type": put.node_type,
                            "record": put.record,
                            "content_id": content_id,
                            "manifest": put.manifest,
                            "manifest_version": 1 if put.node_type == "folder" else None,
                        }
                    )
                    if put.node_type == "folder":
                        outcome.manifest_versions[put.node_id] = 1
                else:
                    if put.node_type == "file" and row.content_id != content_id:
                        outcome.released |= self._keep_version(conn, user_id, row)
                    conn.execute(
                        update(nodes)
                        .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == put.node_id))
                        .values(parent_id=put.parent_id, record=put.record, content_id=content_id)
                    )
                changes[put.node_id] = "put"
            for rows in batched(new_rows):
                conn.execute(insert(nodes), rows)

            # Apply removals, subtrees included, after the puts so a node moved out survives.
            removed = self._subtree(conn, user_id, tx.removes)
            doomed = removed & (set(puts) | covered)
            if doomed:
                raise invalid("the transaction puts or updates a node it also removes")
            for batch in batched(removed):
                outcome.released.update(
                    conn.execute(
                        select(nodes.c.content_id).where(
                            (nodes.c.owner_id == user_id)
                            & nodes.c.node_id.in_(batch)
                            & nodes.c.content_id.is_not(None)
                        )
                    ).scalars()
                )
                outcome.released.update(
                    conn.execute(
                        select(versions.c.content_id).where(
                            (versions.c.owner_id == user_id) & versions.c.node_id.in_(batch)
                        )
                    ).scalars()
                )
                conn.execute(
                    delete(versions).where(
                        (versions.c.owner_id == user_id) & versions.c.node_id.in_(batch)
                    )
                )
                conn.execute(
                    delete(nodes).where((nodes.c.owner_id == user_id) & nodes.c.node_id.in_(batch))
                )
            for node_id in removed:
                changes[node_id] = "remove"

            if added_content:
                self._check_quota(conn, user_id, account.quota_bytes)

            for entries in batched(sorted(changes.items())):
                conn.execute(
                    insert(feed),
                    [
                        {"owner_id": user_id, "seq": outcome.seq, "node_id": nid, "change": kind}
                        for nid, kind in entries
                    ],
                )
            conn.execute(
                update(accounts).where(accounts.c.user_id == user_id).values(feed_seq=outcome.seq)
            )
        return outcome

    def _is_upload(self, conn: Connection, user_id: bytes, content_id: bytes) -> bool:
        return (
            conn.execute(
                select(uploads.c.content_id).where(
                    (uploads.c.content_id == content_id) & (uploads.c.owner_id == user_id)
                )
            ).first()
            is not None
        )

    def _references(self, conn: Connection, user_id: bytes, content_id: bytes) -> bool:
        in_nodes = select(literal(1)).where(
            (nodes.c.owner_id == user_id) & (nodes.c.content_id == content_id)
        )
        in_versions = select(literal(1)).where(
            (versions.c.owner_id == user_id) & (versions.c.content_id == content_id)
        )
        return conn.execute(in_nodes.union_all(in_versions).limit(1)).first() is not None

    def _check_quota(self, conn: Connection, user_id: bytes, own_quota: int | None) -> None:
        quota = own_quota if own_quota is not None else self._settings.default_quota
        if quota is None:
            return
        used = usage(conn, user_id)
        if used > quota:
            raise ServiceError(
                ErrorCode.QUOTA_EXCEEDED,
                f"this change would use {used} bytes, over the account's quota of {quota}",
            )

    def _keep_version(self, conn: Connection, user_id: bytes, row: Row[Any]) -> set[bytes]:
        """Keep the file's current (record, content) as a version; prune to the configured count."""
        keep = self._settings.keep_versions
        if keep <= 0:
            return {row.content_id}
        where = (versions.c.owner_id == user_id) & (versions.c.node_id == row.node_id)
        last = conn.execute(select(func.max(versions.c.version)).where(where)).scalar()
        number = (last or 0) + 1
        conn.execute(
            insert(versions).values(
                owner_id=user_id,
                node_id=row.node_id,
                version=number,
                record=row.record,
                content_id=row.content_id,
            )
        )
        cutoff = number - keep
        pruned: set[bytes] = set(
            conn.execute(
                select(versions.c.content_id).where(where & (versions.c.version <= cutoff))
            ).scalars()
        )
        conn.execute(delete(versions).where(where & (versions.c.version <= cutoff)))
        return pruned

    def _check_scope(
        self,
        conn: Connection,
        user_id: bytes,
        tx: m.TransactionRequest,
        known: dict[bytes, Row[Any]],
        scope: bytes,
    ) -> None:
        """Every node a member's transaction touches lies inside the shared folder (which itself
        may only get a new manifest: its record belongs to the owner's parent folder)."""
        new_ids = {p.node_id for p in tx.puts if p.node_id not in known}
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

    def _check_tree_shape(
        self,
        conn: Connection,
        user_id: bytes,
        tx: m.TransactionRequest,
        known: dict[bytes, Row[Any]],
    ) -> None:
        """Refuse moves that would put a folder inside its own subtree (``cycle``), and folders
        that would lie more than MAX_DEPTH below their top folder, a moved folder's subtree
        included (spec/metadata.md, "Walking a tree")."""
        final_parent = {p.node_id: p.parent_id for p in tx.puts}
        depths: dict[bytes, int] = {}

        def parent_of(node_id: bytes) -> bytes | None:
            if node_id in final_parent:
                return final_parent[node_id]
            return conn.execute(
                select(nodes.c.parent_id).where(
                    (nodes.c.owner_id == user_id) & (nodes.c.node_id == node_id)
                )
            ).scalar()

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

        for put in tx.puts:
            if put.node_type != "folder":
                continue
            row = known.get(put.node_id)
            if row is not None and row.parent_id == put.parent_id:
                continue
            below = 0 if row is None else self._height(conn, user_id, put.node_id)
            if depth(put.node_id) + below > MAX_DEPTH:
                raise invalid(f"folders may nest at most {MAX_DEPTH} deep")

    def _height(self, conn: Connection, user_id: bytes, folder_id: bytes) -> int:
        """How many folders deep the subtree below ``folder_id`` goes (0: no sub-folders),
        counted no further than one past the limit."""
        tree = (
            select(nodes.c.node_id, literal(0).label("level"))
            .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == folder_id))
            .cte("tree", recursive=True)
        )
        tree = tree.union_all(
            select(nodes.c.node_id, (tree.c.level + 1).label("level")).where(
                (nodes.c.owner_id == user_id)
                & (nodes.c.parent_id == tree.c.node_id)
                & (nodes.c.node_type == "folder")
                & (tree.c.level <= MAX_DEPTH)
            )
        )
        return int(conn.execute(select(func.max(tree.c.level))).scalar() or 0)

    def _subtree(self, conn: Connection, user_id: bytes, roots: list[bytes]) -> set[bytes]:
        if not roots:
            return set()
        found: set[bytes] = set()
        for batch in batched(roots):
            tree = (
                select(nodes.c.node_id)
                .where((nodes.c.owner_id == user_id) & nodes.c.node_id.in_(batch))
                .cte("tree", recursive=True)
            )
            tree = tree.union(
                select(nodes.c.node_id).where(
                    (nodes.c.owner_id == user_id) & (nodes.c.parent_id == tree.c.node_id)
                )
            )
            found.update(conn.execute(select(tree.c.node_id)).scalars())
        return found

    # Reading

    def _node_view(self, row: Row[Any]) -> m.NodeView:
        return m.NodeView(
            node_id=row.node_id,
            parent_id=row.parent_id,
            node_type=row.node_type,
            record=row.record,
            content_id=row.content_id,
            size=row.total_size,
            manifest_version=row.manifest_version,
        )

    def _node_columns(self) -> Any:
        return select(
            nodes.c.node_id,
            nodes.c.parent_id,
            nodes.c.node_type,
            nodes.c.record,
            nodes.c.content_id,
            nodes.c.manifest_version,
            contents.c.total_size,
        ).select_from(nodes.outerjoin(contents, nodes.c.content_id == contents.c.content_id))

    def _node(self, user_id: bytes, node_id: bytes) -> m.NodeView:
        with read_only(self._engine) as conn:
            row = conn.execute(
                self._node_columns().where(
                    (nodes.c.owner_id == user_id) & (nodes.c.node_id == node_id)
                )
            ).first()
        if row is None:
            raise not_found("node")
        return self._node_view(row)

    async def node(self, user_id: bytes, node_id: bytes) -> m.NodeView:
        return await to_thread.run_sync(partial(self._node, user_id, node_id))

    def _listing(self, user_id: bytes, folder_id: bytes) -> tuple[Row[Any], list[Row[Any]]]:
        with read_only(self._engine) as conn:
            folder = conn.execute(
                select(nodes.c.node_id, nodes.c.manifest, nodes.c.manifest_version).where(
                    (nodes.c.owner_id == user_id)
                    & (nodes.c.node_id == folder_id)
                    & (nodes.c.node_type == "folder")
                )
            ).first()
            if folder is None:
                raise not_found("folder")
            children = conn.execute(
                self._node_columns()
                .where((nodes.c.owner_id == user_id) & (nodes.c.parent_id == folder_id))
                .order_by(nodes.c.node_id)
            ).all()
        return folder, list(children)

    async def listing(self, user_id: bytes, folder_id: bytes) -> tuple[Row[Any], list[Row[Any]]]:
        """The folder row (manifest, version) and its children's rows, read in one snapshot."""
        return await to_thread.run_sync(partial(self._listing, user_id, folder_id))

    def listing_json(self, folder: Row[Any], children: list[Row[Any]]) -> m.FolderListing:
        return m.FolderListing(
            node_id=folder.node_id,
            manifest_version=folder.manifest_version,
            manifest=folder.manifest,
            children=[self._node_view(c) for c in children],
        )

    def _versions(self, user_id: bytes, node_id: bytes) -> m.VersionList:
        with read_only(self._engine) as conn:
            node = conn.execute(
                select(nodes.c.node_type).where(
                    (nodes.c.owner_id == user_id) & (nodes.c.node_id == node_id)
                )
            ).first()
            if node is None:
                raise not_found("node")
            rows = conn.execute(
                select(
                    versions.c.version,
                    versions.c.record,
                    versions.c.content_id,
                    contents.c.total_size,
                )
                .select_from(
                    versions.join(contents, versions.c.content_id == contents.c.content_id)
                )
                .where((versions.c.owner_id == user_id) & (versions.c.node_id == node_id))
                .order_by(versions.c.version.desc())
            ).all()
        return m.VersionList(
            versions=[
                m.VersionView(
                    version=int.from_bytes(r.record[RECORD_NODE_VERSION], "little"),
                    record=r.record,
                    content_id=r.content_id,
                    size=r.total_size,
                )
                for r in rows
            ]
        )

    async def versions(self, user_id: bytes, node_id: bytes) -> m.VersionList:
        return await to_thread.run_sync(partial(self._versions, user_id, node_id))
