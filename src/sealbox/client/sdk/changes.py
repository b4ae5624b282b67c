# SPDX-License-Identifier: AGPL-3.0-or-later
"""Changing the drive tree: staging a change, sending it in one transaction, and retrying.

Every change is one folder transaction carrying new signed manifests (spec/metadata.md, "Changing
the tree"); a concurrent change elsewhere makes the server answer ``stale_manifest``, and the
operation is re-read and retried (``Editor.retrying``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from msgspec.structs import replace

from sealbox.client.sdk import authors
from sealbox.client.sdk.account import Session
from sealbox.client.sdk.clock import Clock, now_ms, system_clock
from sealbox.client.sdk.errors import ApiError, WithheldError
from sealbox.client.sdk.tree import Folder, Node, Tree
from sealbox.crypto import manifest as mf
from sealbox.crypto.keys import FileKey, FolderKey, RandomSource, system_random
from sealbox.crypto.tree import (
    FileMetadata,
    FolderMetadata,
    Metadata,
    NodeType,
    check_name,
    make_node_record,
    parse_node_record,
    record_hash,
    seal_metadata,
    wrap_node_key,
)
from sealbox.protocol import models as m

T = TypeVar("T")
RETRIES = 8


@dataclass
class Change:
    """A pending structural change: node puts, removals and the folders whose manifests follow."""

    puts: list[m.NodePut] = field(default_factory=list)
    removes: list[bytes] = field(default_factory=list)
    # folder id -> (folder as listed, its new entries by node id)
    folders: dict[bytes, tuple[Folder, dict[bytes, mf.ManifestEntry]]] = field(default_factory=dict)
    # folder id -> nodes put into it, so the caller can go on without listing it again
    added: dict[bytes, list[Node]] = field(default_factory=dict)

    def place(self, folder: Folder, record: bytes, metadata: Metadata) -> None:
        node = Node(parse_node_record(record), metadata, 0)
        self.touch(folder)[node.node_id] = mf.ManifestEntry(
            node.node_id, node.record.node_type, node.record.hash
        )
        self.added.setdefault(folder.folder_id, []).append(node)

    def touch(self, folder: Folder) -> dict[bytes, mf.ManifestEntry]:
        """The folder's new entries, to edit; items a published decision removed are dropped,
        which acknowledges their removal (spec/compliance.md §3.4)."""
        if folder.folder_id not in self.folders:
            gone = {r.node_id for r in folder.removed}
            entries = {e.node_id: e for e in folder.manifest.entries if e.node_id not in gone}
            self.folders[folder.folder_id] = (folder, entries)
        return self.folders[folder.folder_id][1]


@dataclass(frozen=True)
class Staged:
    """A change signed and ready to send: the request, the folders as they will stand after it,
    and the high-water marks to store once the server has accepted it."""

    request: m.TransactionRequest
    after: dict[bytes, Folder]
    marks: list[tuple[bytes, mf.Seen]]
    removes: list[bytes]


class Editor(Tree):
    """Builds, signs and sends changes to the tree; ``rng`` draws ids, keys and nonces and
    ``clock`` stamps new folders."""

    def __init__(
        self, session: Session, rng: RandomSource = system_random, clock: Clock = system_clock
    ) -> None:
        super().__init__(session)
        self.rng = rng
        self.clock = clock

    # Building records -------------------------------------------------------------------------

    def record_for(
        self,
        parent: Folder,
        node_id: bytes,
        node_key: FolderKey | FileKey,
        metadata: Metadata,
        node_version: int,
    ) -> bytes:
        s = self.session
        node_type = NodeType.FOLDER if isinstance(node_key, FolderKey) else NodeType.FILE
        wrapped = wrap_node_key(parent.key, node_key, node_id, parent.folder_id, self.rng)
        sealed = seal_metadata(
            parent.key, metadata, node_id, parent.folder_id, node_version, self.rng
        )
        return make_node_record(
            s.identity,
            s.user_id,
            node_id,
            parent.folder_id,
            node_type,
            node_version,
            wrapped,
            sealed,
        )

    def first_manifest(self, folder_id: bytes) -> bytes:
        s = self.session
        return mf.make_manifest(s.identity, s.user_id, folder_id, 1, mf.NO_PREVIOUS, [])

    def add_new_folder(self, change: Change, parent: Folder, name: str) -> tuple[bytes, FolderKey]:
        check_name(name)
        node_id, key = self.rng(16), FolderKey.generate(self.rng)
        metadata = FolderMetadata(name, now_ms(self.clock))
        record = self.record_for(parent, node_id, key, metadata, 1)
        change.puts.append(
            m.NodePut(
                node_id=node_id,
                parent_id=parent.folder_id,
                node_type="folder",
                record=record,
                manifest=self.first_manifest(node_id),
            )
        )
        change.place(parent, record, metadata)
        return node_id, key

    def add_file(
        self,
        change: Change,
        parent: Folder,
        metadata: FileMetadata,
        file_key: FileKey,
        *,
        existing: Node | None = None,
        inline: m.InlineContent | None = None,
        via_link: bytes | None = None,
    ) -> bytes:
        """Put a file (new, or a new version of ``existing``) pointing at committed content."""
        check_name(metadata.name)
        node_id = existing.node_id if existing else self.rng(16)
        version = existing.record.node_version + 1 if existing else 1
        record = self.record_for(parent, node_id, file_key, metadata, version)
        change.puts.append(
            m.NodePut(
                node_id=node_id,
                parent_id=parent.folder_id,
                node_type="file",
                record=record,
                content_id=None if inline else metadata.content_id,
                inline=inline,
                via_link=via_link,
            )
        )
        change.place(parent, record, metadata)
        return node_id

    def move_node(
        self,
        change: Change,
        source: Folder,
        node: Node,
        target: Folder,
        name: str,
        trashed_from: bytes | None = None,
    ) -> None:
        """Re-wrap ``node`` under ``target`` (which may be ``source``, for a rename)."""
        check_name(name)
        key = node.record.open_key(source.key)
        metadata = replace(node.metadata, name=name, trashed_from=trashed_from)
        # Re-signed without new content: the owner keeps who wrote it (spec/sharing.md).
        metadata = authors.attributed(self.session, self.owner_id, node, metadata)
        version = node.record.node_version + 1
        record = self.record_for(target, node.node_id, key, metadata, version)
        node_type: Literal["file", "folder"] = "folder" if node.is_folder else "file"
        content_id = metadata.content_id if isinstance(metadata, FileMetadata) else None
        change.puts.append(
            m.NodePut(
                node_id=node.node_id,
                parent_id=target.folder_id,
                node_type=node_type,
                record=record,
                content_id=content_id,
            )
        )
        change.touch(source).pop(node.node_id, None)
        change.place(target, record, metadata)

    def remove_node(self, change: Change, parent: Folder, node: Node) -> None:
        change.removes.append(node.node_id)
        change.touch(parent).pop(node.node_id, None)

    # Committing -------------------------------------------------------------------------------

    async def commit(self, change: Change) -> dict[bytes, Folder]:
        """Apply ``change`` in one transaction; returns each touched folder as it now stands."""
        return await self.send(self.stage(change))

    def stage(self, change: Change) -> Staged:
        """Sign the new manifests of ``change`` and work out the folders as they will stand, so a
        caller can build the next change on them while this one is on its way."""
        s = self.session
        updates = []
        marks = []
        after: dict[bytes, Folder] = {}
        for folder_id, (folder, entries) in change.folders.items():
            _require_seen(folder, entries, change.added.get(folder_id, []))
            version = folder.manifest.version + 1
            signed = mf.make_manifest(
                s.identity, s.user_id, folder_id, version, folder.manifest.hash, entries.values()
            )
            updates.append(
                m.ManifestUpdate(
                    folder_id=folder_id, expected_version=folder.manifest.version, manifest=signed
                )
            )
            marks.append((folder_id, mf.Seen(version, record_hash(signed))))
            added = change.added.get(folder_id, [])
            replaced = {node.node_id for node in added}
            children = [
                c for c in folder.children if c.node_id in entries and c.node_id not in replaced
            ]
            after[folder_id] = Folder(
                folder_id, folder.key, mf.parse_manifest(signed), children + added,
                ancestry=folder.ancestry, author=folder.author,
            )  # fmt: skip
        for put in change.puts:
            if put.manifest is not None:
                first = mf.parse_manifest(put.manifest)
                marks.append((put.node_id, mf.Seen(1, first.hash)))
        request = m.TransactionRequest(manifests=updates, puts=change.puts, removes=change.removes)
        return Staged(request, after, marks, list(change.removes))

    async def send(self, staged: Staged) -> dict[bytes, Folder]:
        """Send a staged change; the high-water marks move only once the server accepted it."""
        s = self.session
        await self.api.transaction(staged.request)
        for folder_id, seen in staged.marks:
            s.state.save_mark(s.user_id, folder_id, seen)
        s.state.forget_marks(s.user_id, staged.removes)
        return staged.after

    async def retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run a read-modify-commit ``attempt`` again when a manifest went stale under it."""
        for tries in range(RETRIES):
            try:
                return await attempt()
            except ApiError as exc:
                if exc.code != "stale_manifest" or tries == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")


def _require_seen(
    folder: Folder, entries: Mapping[bytes, mf.ManifestEntry], added: list[Node]
) -> None:
    """Refuse to sign a manifest of ``folder`` that keeps an entry this device did not verify:
    an item the server withheld from its listing (threat catalogue A25). Dropping such entries
    is allowed: that is what emptying the trash does, on purpose."""
    seen = {c.node_id for c in folder.children} | {n.node_id for n in added}
    unseen = [node_id for node_id in entries if node_id not in seen]
    if unseen:
        raise WithheldError([(folder.path, len(unseen))], WithheldError.REFUSED)
