# SPDX-License-Identifier: AGPL-3.0-or-later
"""The folder transaction: every structural change to a tree, applied atomically.

A transaction carries manifest updates (each guarded by the version the client last saw), node
puts and node removals. The server cannot read manifests or records; it checks what it can see
(ownership, types, parents, versions, cycles, quota) so that a hostile or buggy client can break
only its own sealed data, never the tree's shape.

``apply`` runs the sections below in order inside one database transaction, then the steps that
follow every commit: waking the account's feed waiters and collecting the contents that lost
their last reference. Every entry point (the owner's route, a write member's route) goes through
it, so they all behave the same.
"""

from dataclasses import dataclass, field
from functools import partial

from anyio import to_thread

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.db import accounts, drops, feed, links, nodes, uploads
from sealbox.server.db.engine import Connection, Engine, writing
from sealbox.server.db.nodes import NodeState
from sealbox.server.db.subtrees import reaches_content
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.collector import Collector
from sealbox.server.services.enforcement import refuse_removed_content
from sealbox.server.services.feed import FeedService
from sealbox.server.services.links import LinkService
from sealbox.server.services.transaction_checks import (
    Plan,
    check_manifests,
    check_puts,
    check_removals,
    check_scope,
    check_shape,
    check_tree_shape,
    invalid,
)
from sealbox.server.services.uploads import UploadService, commit_inline, commit_upload
from sealbox.server.settings import Settings


@dataclass(slots=True)
class TransactionOutcome:
    seq: int
    manifest_versions: dict[bytes, int]
    # Content ids that lost a reference; the collector deletes those nothing references any more.
    released: set[bytes] = field(default_factory=set)
    # What each touched node went through, for the change feed.
    changes: dict[bytes, str] = field(default_factory=dict)


def _content_of(put: m.NodePut) -> bytes | None:
    return put.inline.content_id if put.inline else put.content_id


class TransactionService:
    def __init__(
        self,
        engine: Engine,
        uploads_service: UploadService,
        links_service: LinkService,
        feed_service: FeedService,
        collector: Collector,
        settings: Settings,
    ) -> None:
        self._engine = engine
        self._uploads = uploads_service
        self._links = links_service
        self._feed = feed_service
        self._collector = collector
        self._settings = settings

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
        check_shape(tx)
        if scope is not None and any(p.via_link for p in tx.puts):
            raise invalid("imports go into the importer's own drive")
        uploader = actor or user_id
        outcome = await to_thread.run_sync(partial(self._apply, user_id, tx, uploader, scope))
        self._feed.notify(user_id)
        await self._collector.release(outcome.released)
        return outcome

    def _apply(
        self, user_id: bytes, tx: m.TransactionRequest, uploader: bytes, scope: bytes | None
    ) -> TransactionOutcome:
        with writing(self._engine) as conn:
            # Inline files are checked first (their ids, and the tree owner's quota: the owner is
            # charged whoever uploads), then committed below with their bytes: one transaction,
            # nothing to undo when it fails.
            inline = [p.inline for p in tx.puts if p.inline is not None]
            if inline:
                self._uploads.check_inline(conn, uploader, inline, payer=user_id)
            plan = _prepare(conn, user_id, tx, uploader, scope)
            # A member's reach first, so that nothing below tells them about folders outside
            # their share (not even a manifest version in a stale_manifest answer).
            if scope is not None:
                check_scope(conn, plan, scope)
            check_manifests(plan)
            check_removals(plan)
            check_puts(plan)
            check_tree_shape(conn, plan)
            added_content = self._accept_contents(conn, plan)
            outcome = TransactionOutcome(seq=plan.account.feed_seq + 1, manifest_versions={})
            _apply_manifests(conn, plan, outcome)
            self._apply_puts(conn, plan, outcome)
            _apply_removals(conn, plan, outcome)
            if added_content:
                self._check_quota(conn, user_id, plan.account.quota_bytes)
            feed.record(conn, user_id, outcome.seq, outcome.changes)
        return outcome

    def _accept_contents(self, conn: Connection, plan: Plan) -> bool:
        """Check that every file put may reference its content, and commit the uploads and inline
        files it names. Returns whether the account now references content it did not before."""
        added = False
        # Content ids already accepted in this transaction: a batch of copies of one object
        # costs one check, and two new nodes may share a content committed here.
        accepted: set[bytes] = set()
        inline: list[m.InlineContent] = []
        for put in plan.tx.puts:
            if put.node_type != "file":
                continue
            content_id = _content_of(put)
            if content_id is None:
                raise invalid("a file needs a content_id or inline content")
            row = plan.known.get(put.node_id)
            if content_id in accepted or (row is not None and row.content_id == content_id):
                continue
            accepted.add(content_id)
            if put.inline is not None:
                inline.append(put.inline)
                added = True
            else:
                added |= self._accept_stored(conn, plan, put, content_id)
        # Content removed everywhere by a takedown (scope 3) is never stored again.
        refuse_removed_content(conn, sorted(accepted))
        commit_inline(conn, inline)
        return added

    def _accept_stored(
        self, conn: Connection, plan: Plan, put: m.NodePut, content_id: bytes
    ) -> bool:
        """Accept a content named by id; True when it is new to the account."""
        user_id = plan.user_id
        if uploads.is_own(conn, plan.uploader, content_id):
            commit_upload(conn, plan.uploader, content_id)
            return True
        if plan.scope is not None:
            # A member may copy only what the share lets them read.
            if not reaches_content(conn, user_id, plan.scope, True, content_id):
                raise not_found("content")
            return False
        if nodes.references(conn, user_id, content_id):
            return False
        if drops.take_dropped(conn, user_id, content_id):
            # A file delivered through one of the owner's drops, accepted into the tree.
            return False
        if put.via_link is not None and self._links.reaches_content(conn, put.via_link, content_id):
            # An import: the caller now references content another account stored.
            links.record_import(conn, user_id, put.via_link, content_id)
            return True
        raise not_found("content")

    def _apply_puts(self, conn: Connection, plan: Plan, outcome: TransactionOutcome) -> None:
        """Write the puts; new nodes go in as one batch. A file whose content changes keeps its
        old content as a version."""
        new: list[nodes.NewNode] = []
        for put in plan.tx.puts:
            content_id = _content_of(put)
            row = plan.known.get(put.node_id)
            if row is None:
                folder = put.node_type == "folder"
                new.append(
                    nodes.NewNode(
                        node_id=put.node_id,
                        parent_id=put.parent_id,
                        node_type=put.node_type,
                        record=put.record,
                        content_id=content_id,
                        manifest=put.manifest,
                        manifest_version=1 if folder else None,
                    )
                )
                if folder:
                    outcome.manifest_versions[put.node_id] = 1
            else:
                if put.node_type == "file" and row.content_id != content_id:
                    outcome.released |= self._keep_version(conn, plan.user_id, row)
                nodes.move(conn, plan.user_id, put.node_id, put.parent_id, put.record, content_id)
            outcome.changes[put.node_id] = "put"
        nodes.add(conn, plan.user_id, new)

    def _keep_version(self, conn: Connection, user_id: bytes, row: NodeState) -> set[bytes]:
        """Keep the file's current (record, content) as a version; prune to the configured count.
        Returns the content ids no longer kept."""
        keep = self._settings.keep_versions
        if keep <= 0:
            return {row.content_id} if row.content_id is not None else set()
        return nodes.keep_version(conn, user_id, row, keep)

    def _check_quota(self, conn: Connection, user_id: bytes, own_quota: int | None) -> None:
        quota = own_quota if own_quota is not None else self._settings.default_quota
        if quota is None:
            return
        used = accounts.usage(conn, user_id)
        if used > quota:
            raise ServiceError(
                ErrorCode.QUOTA_EXCEEDED,
                f"this change would use {used} bytes, over the account's quota of {quota}",
            )


# The sections that load and write, in the order ``_apply`` runs them.


def _prepare(
    conn: Connection,
    user_id: bytes,
    tx: m.TransactionRequest,
    uploader: bytes,
    scope: bytes | None,
) -> Plan:
    """Lock the account and load every node the transaction names."""
    account = accounts.lock(conn, user_id)
    puts = {p.node_id: p for p in tx.puts}
    wanted = set(puts) | {p.parent_id for p in tx.puts} | set(tx.removes)
    wanted |= {u.folder_id for u in tx.manifests}
    known = nodes.load(conn, user_id, wanted)
    return Plan(
        user_id=user_id,
        tx=tx,
        uploader=uploader,
        scope=scope,
        account=account,
        known=known,
        puts=puts,
        covered={u.folder_id for u in tx.manifests},
        new_folders={
            p.node_id for p in tx.puts if p.node_type == "folder" and p.node_id not in known
        },
    )


def _apply_manifests(conn: Connection, plan: Plan, outcome: TransactionOutcome) -> None:
    for u in plan.tx.manifests:
        version = u.expected_version + 1
        nodes.set_manifest(conn, plan.user_id, u.folder_id, u.manifest, version)
        outcome.manifest_versions[u.folder_id] = version
        outcome.changes[u.folder_id] = "manifest"


def _apply_removals(conn: Connection, plan: Plan, outcome: TransactionOutcome) -> None:
    """Remove the nodes, subtrees included, after the puts so that a node moved out survives."""
    removed = nodes.subtree(conn, plan.user_id, plan.tx.removes)
    if removed & (set(plan.puts) | plan.covered):
        raise invalid("the transaction puts or updates a node it also removes")
    outcome.released |= nodes.remove(conn, plan.user_id, removed)
    for node_id in removed:
        outcome.changes[node_id] = "remove"
