"""The verified drive tree: listing, paths and structural changes (spec/metadata.md).

Every listing is checked before anything in it is shown: the manifest's signature and freshness,
each record against the manifest, each name against the folder key. Every change is one folder
transaction carrying new signed manifests; a concurrent change elsewhere makes the server answer
``stale_manifest``, and the operation is re-read and retried.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, NoReturn, TypeVar

from sealbox.client.sdk import walks
from sealbox.client.sdk.account import Session
from sealbox.client.sdk.contacts import write_members
from sealbox.client.sdk.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    SealboxError,
    WithheldError,
)
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.walks import Ancestry, Withheld, ancestry_of
from sealbox.crypto import manifest as mf
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey, FolderKey, RandomSource, system_random
from sealbox.crypto.tree import (
    FileMetadata,
    FolderMetadata,
    Metadata,
    MetadataOpener,
    NodeRecord,
    NodeType,
    check_name,
    make_node_record,
    parse_node_record,
    record_hash,
    seal_metadata,
    wrap_node_key,
)
from sealbox.protocol import models as m
from sealbox.protocol.listing import BinaryListing

T = TypeVar("T")
RETRIES = 8
COPY_BATCH = 1000  # node puts per transaction when a folder's copy is filled


@dataclass(frozen=True)
class Node:
    """A child as the manifest vouches for it, with its decrypted metadata."""

    record: NodeRecord
    metadata: Metadata
    stored_size: int  # ciphertext bytes the server reports (files); shown as "server-reported"

    @property
    def node_id(self) -> bytes:
        return self.record.node_id

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def is_folder(self) -> bool:
        return self.record.node_type == NodeType.FOLDER

    @property
    def size(self) -> int:
        return self.metadata.size if isinstance(self.metadata, FileMetadata) else 0


@dataclass
class Folder:
    folder_id: bytes
    key: FolderKey
    manifest: mf.Manifest
    children: list[Node]
    withheld: tuple[bytes, ...] = ()
    injected: int = 0
    # The verified path the client walked to this folder (walks.py); None for a folder made up
    # locally, which counts as a top of its own.
    ancestry: Ancestry | None = None
    _by_name: dict[str, Node] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {child.name: child for child in self.children}

    def child(self, name: str) -> Node | None:
        return self._by_name.get(name)

    def entries(self) -> list[mf.ManifestEntry]:
        return list(self.manifest.entries)

    @property
    def path(self) -> str:
        """Where the walk found this folder, for messages."""
        return ancestry_of(self).path


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
        if folder.folder_id not in self.folders:
            entries = {e.node_id: e for e in folder.manifest.entries}
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


def now_ms() -> int:
    return int(time.time() * 1000)


class Drive:
    def __init__(self, session: Session, rng: RandomSource = system_random) -> None:
        self.session = session
        self.api = session.api
        self.rng = rng
        # Write members of this account's shares by shared folder, learnt (and checked against
        # the account's own signed rosters) only once a listing is signed by someone else.
        self._members: dict[bytes, dict[bytes, bytes]] | None = None

    @property
    def writers(self) -> dict[bytes, bytes]:
        """Who may sign manifests and records in a folder nobody else writes: the account."""
        return self.session.writers

    async def writers_on(self, ancestry: Ancestry) -> dict[bytes, bytes]:
        """Who may sign in the folder at the end of ``ancestry``: the account, and in its own
        drive the write members of every share of a folder on that verified path (spec/sharing.md,
        "Writers sign"). The path is the one this client walked and verified, never the server's
        parent links (threat catalogue A30)."""
        if not ancestry.account_shares:
            return self.writers
        if self._members is None:
            self._members = await write_members(self.session)
        extra: dict[bytes, bytes] = {}
        for folder_id in ancestry.ids():
            extra.update(self._members.get(folder_id, {}))
        return {**extra, **self.writers}

    # Reading ----------------------------------------------------------------------------------

    @property
    def state(self) -> LocalState:
        return self.session.state

    @property
    def scope(self) -> str:
        """Names this account's transfer journals apart from other accounts' and servers'."""
        return f"{self.session.server}:{self.session.username}"

    async def folder(
        self, folder_id: bytes, key: FolderKey, ancestry: Ancestry | None = None
    ) -> Folder:
        """List a folder and verify it (spec/metadata.md, "Listing a folder"). ``ancestry`` is
        the verified path to it; without one the folder is a top of its own."""
        s = self.session
        ancestry = ancestry or Ancestry(folder_id)
        listing = await self.api.folder(folder_id)
        seen = s.state.mark(s.user_id, folder_id)
        try:
            folder, mark = verify_listing(listing, folder_id, key, self.writers, seen)
        except IntegrityError as exc:
            # Signed by someone else: a write member of a share on the path to this folder.
            if exc.code != ErrorCode.BAD_SIGNATURE:
                raise
            writers = await self.writers_on(ancestry)
            if writers == self.writers:
                raise
            folder, mark = verify_listing(listing, folder_id, key, writers, seen)
        s.state.save_mark(s.user_id, folder_id, mark)
        folder.ancestry = ancestry
        return folder

    async def reload(self, folder: Folder) -> Folder:
        """List ``folder`` again, found where it was found before."""
        return await self.folder(folder.folder_id, folder.key, folder.ancestry)

    async def root(self) -> Folder:
        s = self.session
        return await self.folder(s.root_id, s.root_key, Ancestry(s.root_id, account_shares=True))

    async def trash(self) -> Folder:
        s = self.session
        top = Ancestry(s.trash_id, "trash:", account_shares=True)
        return await self.folder(s.trash_id, s.trash_key, top)

    async def open_folder(self, parent: Folder, node: Node) -> Folder:
        """A child folder, verified; refused if it is already on the path here or too deep."""
        ancestry = ancestry_of(parent).below(node.node_id, node.name)
        key = node.record.open_key(parent.key)
        assert isinstance(key, FolderKey)  # the record's type is FOLDER, so the key is one
        return await self.folder(node.node_id, key, ancestry)

    async def walk(self, path: str) -> tuple[list[Folder], Node | None]:
        """Resolve an absolute path: the folders on the way (the root first) and the final node
        (None for the root itself). Missing components raise NotFoundError."""
        return await walk_path(await self.root(), path, self.open_folder)

    async def folder_at(self, path: str) -> Folder:
        chain, node = await self.walk(path)
        if node is None:
            return chain[0]
        if not node.is_folder:
            raise SealboxError(f"not a folder: {path}")
        return await self.open_folder(chain[-1], node)

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
        metadata = FolderMetadata(name, now_ms())
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
                ancestry=folder.ancestry,
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

    # Operations -------------------------------------------------------------------------------

    async def mkdir(self, path: str, parents: bool = False) -> None:
        parts = split_path(path)
        if not parts:
            if parents:
                return
            raise ConflictError("the root folder already exists")

        async def attempt() -> None:
            folder = await self.root()
            for depth, name in enumerate(parts):
                node = folder.child(name)
                last = depth == len(parts) - 1
                if node is not None:
                    if not node.is_folder:
                        raise ConflictError(f"not a folder: {join_path(parts[: depth + 1])}")
                    if last and not parents:
                        raise ConflictError(f"already exists: {join_path(parts)}")
                    folder = await self.open_folder(folder, node)
                    continue
                if not (last or parents):
                    _missing(folder, f"no such folder: {join_path(parts[: depth + 1])}")
                folder = await self.new_folder(folder, name)

        await self.retrying(attempt)

    async def ensure_folder(self, parent: Folder, name: str) -> Folder:
        """The child folder ``name`` of ``parent``, created if missing."""
        node = parent.child(name)
        if node is not None:
            if not node.is_folder:
                raise ConflictError(f"a file is in the way: {name}")
            return await self.open_folder(parent, node)
        return await self.new_folder(parent, name)

    async def new_folder(self, parent: Folder, name: str) -> Folder:
        """Make the folder ``name`` in ``parent`` (one transaction) and return its listing."""
        change = Change()
        self.add_new_folder(change, parent, name)
        after = await self.commit(change)
        return await self.open_folder(after[parent.folder_id], change.added[parent.folder_id][-1])

    async def move(self, source_path: str, target_path: str) -> None:
        """Move or rename, like ``mv``: into ``target`` when it is a folder, else to that name."""

        async def attempt() -> None:
            chain, node = await self.walk(source_path)
            if node is None:
                raise ConflictError("the root folder cannot be moved")
            source = chain[-1]
            target, name = await self._destination(target_path, node.name)
            if target.folder_id == source.folder_id:
                target = source
            elif node.is_folder and node.node_id in ancestry_of(target):
                # Decided on the path this client walked to the target, not the server's links.
                raise ConflictError("cannot move a folder into itself")
            existing = target.child(name)
            if existing is not None and existing.node_id != node.node_id:
                raise ConflictError(f"already exists: {name}")
            change = Change()
            self.move_node(change, source, node, target, name)
            await self.commit(change)

        await self.retrying(attempt)

    async def _destination(self, target_path: str, default_name: str) -> tuple[Folder, str]:
        """Where ``mv``/``cp`` put something: into an existing folder under its own name, or at
        a new name inside an existing parent."""
        parts = split_path(target_path)
        try:
            chain, node = await self.walk(target_path)
        except NotFoundError:
            if not parts:
                raise
            return await self.folder_at(join_path(parts[:-1])), parts[-1]
        if node is None:
            return chain[0], default_name
        if node.is_folder:
            return await self.open_folder(chain[-1], node), default_name
        return chain[-1], node.name

    async def copy(self, source_path: str, target_path: str) -> None:
        """Copy files and folders without moving any content: new nodes share the content."""

        async def attempt() -> None:
            chain, node = await self.walk(source_path)
            if node is None:
                raise ConflictError("the root folder cannot be copied")
            target, name = await self._destination(target_path, node.name)
            if target.child(name) is not None:
                raise ConflictError(f"already exists: {name}")
            await self._copy_into(chain[-1], node, target, name)

        await self.retrying(attempt)

    async def _copy_into(self, source: Folder, node: Node, target: Folder, name: str) -> None:
        key = node.record.open_key(source.key)
        if isinstance(key, FileKey):
            change = Change()
            metadata = replace(node.metadata, name=name, trashed_from=None)
            assert isinstance(metadata, FileMetadata)
            self.add_file(change, target, metadata, key)
            await self.commit(change)
            return
        # The whole source first: every level complete, no cycle, within the depth limit. The
        # copy's manifests are made from these listings, so one with withheld items would sign
        # their loss (threat catalogue A25).
        withheld: Withheld = []
        top = await self.open_folder(source, node)
        originals = [f async for _, f in walks.folders_below(self, top, top.path, withheld)]
        if withheld:
            raise WithheldError(withheld, WithheldError.REFUSED)
        height = max(ancestry_of(f).depth for f in originals) - ancestry_of(top).depth
        if ancestry_of(target).depth + 1 + height > walks.MAX_DEPTH:
            raise ConflictError(f"the copy would nest folders deeper than {walks.MAX_DEPTH}")
        copies = {top.folder_id: await self.new_folder(target, name)}
        for original in originals:
            await self._fill_copy(original, copies)

    async def _fill_copy(self, original: Folder, copies: dict[bytes, Folder]) -> None:
        """Copy the children of ``original`` into its copy, a batch per transaction; sub-folders
        are made empty and noted in ``copies`` to be filled in their turn."""
        copy = copies.pop(original.folder_id)
        children = original.children
        for start in range(0, len(children), COPY_BATCH):
            change, made = Change(), []
            for child in children[start : start + COPY_BATCH]:
                key = child.record.open_key(original.key)
                if isinstance(key, FileKey):
                    metadata = replace(child.metadata, trashed_from=None)
                    assert isinstance(metadata, FileMetadata)
                    self.add_file(change, copy, metadata, key)
                else:
                    made.append((child.node_id, self.add_new_folder(change, copy, child.name)[0]))
            if not change.puts:
                continue
            copy = (await self.commit(change))[copy.folder_id]
            for original_id, copy_id in made:
                node = next(n for n in change.added[copy.folder_id] if n.node_id == copy_id)
                copies[original_id] = await self.open_folder(copy, node)

    async def remove(self, path: str, permanent: bool = False) -> None:
        """Move to the trash, or delete permanently with ``permanent``."""

        async def attempt() -> None:
            chain, node = await self.walk(path)
            if node is None:
                raise ConflictError("the root folder cannot be removed")
            parent = chain[-1]
            change = Change()
            if permanent:
                self.remove_node(change, parent, node)
            else:
                trash = await self.trash()
                name = _free_name(trash, node.name)
                self.move_node(change, parent, node, trash, name, trashed_from=parent.folder_id)
            await self.commit(change)

        await self.retrying(attempt)

    async def restore(self, name: str) -> str:
        """Move an item out of the trash to where it was deleted from; returns its new path."""

        async def attempt() -> str:
            trash = await self.trash()
            node = trash.child(name)
            if node is None:
                raise NotFoundError(f"not in the trash: {name}")
            origin = node.metadata.trashed_from or self.session.root_id
            target, path = await self._folder_by_id(origin)
            original = name.rsplit(" (deleted ", 1)[0] if " (deleted " in name else name
            final = _free_name(target, original)
            change = Change()
            self.move_node(change, trash, node, target, final)
            await self.commit(change)
            return join_path([*path, final])

        return await self.retrying(attempt)

    async def _folder_by_id(self, folder_id: bytes) -> tuple[Folder, list[str]]:
        """Find a folder by id, verifying each level on the way down from the root; the root when
        it no longer exists. The server's parent links only suggest which verified child to open
        next: the folder found is the one whose id the signed metadata names, reached through
        verified listings, so a lie can only send the item back to the root instead."""
        ids: list[bytes] = []
        current: bytes | None = folder_id
        try:
            while current is not None and current != self.session.root_id:
                if len(ids) > walks.MAX_DEPTH:
                    current = None
                    break
                ids.append(current)
                current = (await self.api.node(current)).parent_id
        except ApiError:
            current = None
        folder, names = await self.root(), list[str]()
        if current is None:
            return folder, names
        for wanted in reversed(ids):
            node = next((c for c in folder.children if c.node_id == wanted), None)
            if node is None or not node.is_folder:
                return await self.root(), []
            folder = await self.open_folder(folder, node)
            names.append(node.name)
        return folder, names

    async def empty_trash(self) -> int:
        async def attempt() -> int:
            trash = await self.trash()
            change = Change()
            for node in trash.children:
                self.remove_node(change, trash, node)
            for node_id in trash.withheld:
                change.removes.append(node_id)
                change.touch(trash).pop(node_id, None)
            if not change.removes:
                return 0
            await self.commit(change)
            return len(change.removes)

        return await self.retrying(attempt)

    async def versions(self, path: str) -> list[tuple[int, Node]]:
        """Earlier versions of a file, each verified like the current one, as (node version,
        node), newest first. The number and the order are the signed node version's; a server
        that numbers a version otherwise, or lists one twice, is refused."""
        chain, node = await self.walk(path)
        if node is None or node.is_folder:
            raise SealboxError(f"not a file: {path}")
        parent = chain[-1]
        found: dict[int, Node] = {}
        numbers: set[int] = set()
        for version in (await self.api.versions(node.node_id)).versions:
            record = parse_node_record(version.record)
            if version.version != record.node_version:
                raise IntegrityError(
                    ErrorCode.CONTEXT_MISMATCH, "the server numbers a version unlike its record"
                )
            if record.node_version in numbers or record.node_version >= node.record.node_version:
                raise IntegrityError(
                    ErrorCode.CONTEXT_MISMATCH,
                    f"the server lists version {record.node_version} twice or as earlier "
                    "than the current one",
                )
            numbers.add(record.node_version)
            if record.node_id != node.node_id or record.parent_id != parent.folder_id:
                # A version written before a move names the old parent; its metadata cannot be
                # opened with this folder's key, so it is skipped rather than trusted.
                continue
            if record.writer_id != self.session.user_id:
                raise IntegrityError(ErrorCode.BAD_SIGNATURE, "a version by an unknown writer")
            record.verify(self.session.identity.public.sign_public)
            metadata = record.open_metadata(parent.key)
            if not isinstance(metadata, FileMetadata) or metadata.content_id != version.content_id:
                raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "version names other content")
            found[record.node_version] = Node(record, metadata, version.size)
        return sorted(found.items(), key=lambda item: item[0], reverse=True)

    async def iter_tree(
        self, folder: Folder, prefix: str = "", withheld: Withheld | None = None
    ) -> list[tuple[str, Folder, Node]]:
        """Every node below ``folder`` as (path, parent, node), depth first, verified; see
        walks.iter_tree for ``withheld``."""
        return await walks.iter_tree(self, folder, prefix, withheld)


def verify_listing(
    listing: BinaryListing,
    folder_id: bytes,
    key: FolderKey,
    writers: Mapping[bytes, bytes],
    seen: mf.Seen | None,
) -> tuple[Folder, mf.Seen]:
    """Check a listing: the manifest's signature by one of ``writers`` and its freshness against
    ``seen``, each record against the manifest, each name against the folder key. Returns the
    verified folder and the new high-water mark to remember."""
    manifest = mf.verify_manifest(listing.manifest, folder_id, writers)
    if listing.manifest_version != manifest.version:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "listed and signed versions differ")
    mark = mf.check_freshness(manifest, seen)
    reconciled = mf.reconcile(manifest, [c.record for c in listing.children])
    reported = {c.node_id: c for c in listing.children}
    opener = MetadataOpener(key)
    children = []
    for record in reconciled.records:
        # A record by the manifest's own signer is vouched for by that signature (its hash is
        # signed); one by another writer must carry that writer's own signature.
        if record.writer_id != manifest.writer_id:
            writer_key = writers.get(record.writer_id)
            if writer_key is None:
                raise IntegrityError(ErrorCode.BAD_SIGNATURE, "a record by an unknown writer")
            record.verify(writer_key)
        metadata = opener.open(record)
        server_view = reported[record.node_id]
        if isinstance(metadata, FileMetadata) and server_view.content_id != metadata.content_id:
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server names other content")
        children.append(Node(record, metadata, server_view.size))
    folder = Folder(
        folder_id, key, manifest, children, reconciled.withheld, len(reconciled.injected)
    )
    return folder, mark


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


def _missing(folder: Folder, message: str) -> NoReturn:
    """A name is not among a folder's children: withheld, if the listing left anything out."""
    if folder.withheld:
        raise WithheldError(
            [(folder.path, len(folder.withheld))],
            "what you asked for may be one of them; run the command again later",
        )
    raise NotFoundError(message)


def _free_name(folder: Folder, name: str) -> str:
    """``name``, or a variant that does not collide inside ``folder`` (for the trash)."""
    if folder.child(name) is None:
        return name
    stamp = time.strftime("%Y-%m-%d %H%M%S")
    candidate = f"{name} (deleted {stamp})"
    counter = 2
    while folder.child(candidate) is not None:
        candidate = f"{name} (deleted {stamp} {counter})"
        counter += 1
    return candidate


async def walk_path(
    root: Folder,
    path: str,
    open_folder: Callable[[Folder, Node], Awaitable[Folder]],
    where: str = "",
) -> tuple[list[Folder], Node | None]:
    """Follow ``path`` down from ``root``, verifying each folder on the way; ``where`` names the
    tree in error messages (the drive, or a link)."""
    parts = split_path(path)
    chain = [root]
    node: Node | None = None
    for depth, name in enumerate(parts):
        node = chain[-1].child(name)
        if node is None:
            _missing(chain[-1], f"no such file or folder{where}: {join_path(parts[: depth + 1])}")
        if depth < len(parts) - 1:
            if not node.is_folder:
                raise NotFoundError(f"not a folder: {join_path(parts[: depth + 1])}")
            chain.append(await open_folder(chain[-1], node))
    return chain, node


def split_path(path: str) -> list[str]:
    """Remote paths are absolute from the user's root: ``/docs/a.txt``."""
    if not path.startswith("/"):
        raise SealboxError(f"remote paths start with '/': {path}")
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise SealboxError(f"'.' and '..' are not allowed in remote paths: {path}")
    return parts


def join_path(parts: Iterable[str]) -> str:
    return "/" + "/".join(parts)
