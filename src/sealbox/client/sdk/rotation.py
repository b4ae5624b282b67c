# SPDX-License-Identifier: AGPL-3.0-or-later
"""Rotating the keys of a folder and of every folder below it (spec/sharing.md, "Removing a
member", steps 2-4), resumable through a :class:`Progress` the caller may keep on disk.

The whole subtree is listed and verified first: a listing with withheld children is refused
before anything is signed, because a rotated manifest cannot name a record the client could not
re-wrap under the new key (it would stay sealed under the discarded one, and the folder would
never open again). Records are re-signed by the rotating owner; a record another writer signed
keeps that writer as its author (authors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from msgspec.structs import replace

from sealbox.client.sdk import authors
from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import SealboxError, WithheldError
from sealbox.client.sdk.tree import Folder, Node
from sealbox.crypto.key_chain import successor_chain
from sealbox.crypto.keys import FileKey, FolderKey
from sealbox.crypto.tree import FileMetadata, FolderMetadata
from sealbox.protocol import limits
from sealbox.protocol import models as m

# One transaction carries at most this many node puts and manifests (spec/http-api.md §9).
BATCH_PUTS = limits.MAX_NODE_PUTS
BATCH_MANIFESTS = limits.MAX_MANIFEST_UPDATES


@dataclass
class Progress:
    """What a rotation has done: every key each folder had during it (oldest first, so that
    wraps made under any of them, such as drop keys, can still be opened) and the folders whose
    new key is committed. ``save`` is called whenever it changes (a journal on disk)."""

    keys: dict[bytes, list[FolderKey]] = field(default_factory=dict)
    done: set[bytes] = field(default_factory=set)
    save: Callable[[Progress], None] = lambda _: None

    def about_to_commit(self, old: dict[bytes, FolderKey], new: dict[bytes, FolderKey]) -> None:
        for folder_id, key in old.items():
            known = self.keys.setdefault(folder_id, [])
            known.extend(k for k in (key, new[folder_id]) if k not in known)
        self.save(self)

    def committed(self, folder_ids: list[bytes]) -> None:
        self.done.update(folder_ids)
        self.save(self)


@dataclass(frozen=True)
class Rotated:
    """One rotated folder: the keys it had before (oldest first), its key now, and its name."""

    old: list[FolderKey]
    new: FolderKey
    name: str


Entry = tuple[Folder, Node, Folder]  # parent, the folder's node, its listing


async def rotate_subtree_keys(
    drive: Drive,
    path: str,
    progress: Progress | None = None,
    writers: dict[bytes, bytes] | None = None,
) -> dict[bytes, Rotated]:
    """Give the folder at ``path`` and every folder below it a new random key: every child's
    record re-wrapped and re-sealed under its parent's new key (node version +1), the top
    folder's record re-wrapped in its parent, new manifests. Folders go top-down in batches that
    fit one folder transaction each, so the tree is consistent after every batch; folders that
    ``progress`` marks done are not rotated again. Each rotated folder's new record keeps the
    key it replaces, with ``writers`` (the write members of the roster in force until now), in
    its signed list of earlier keys, so its kept versions still open (spec/sharing.md, "Earlier
    keys after a rotation"). Returns every folder of the subtree, top first."""
    progress = progress or Progress()
    result: dict[bytes, Rotated] = {}

    async def attempt() -> bool:
        order = await subtree(drive, path)
        pending = [entry for entry in order if entry[1].node_id not in progress.done]
        if not pending:
            for _, node, folder in order:
                known = progress.keys.get(node.node_id, [])
                old = [key for key in known if key != folder.key]
                result[node.node_id] = Rotated(old, folder.key, node.name)
            return False
        batch = _batch(pending)
        new_keys = {folder_id: FolderKey.generate(drive.rng) for folder_id in batch}
        change = _rekeyed(drive, batch, new_keys, writers)
        progress.about_to_commit({k: f.key for k, (_, _, f) in batch.items()}, new_keys)
        await drive.commit(change)
        progress.committed(list(batch))
        return True

    while await drive.retrying(attempt):
        pass
    return result


async def subtree(drive: Drive, path: str) -> list[Entry]:
    """Every folder of the subtree as it stands now, top-down, each listing verified and
    complete: a withheld child anywhere refuses the rotation before anything is signed."""
    chain, top = await drive.walk(path)
    if top is None or not top.is_folder:
        raise SealboxError(f"not a folder: {path}")
    order: list[Entry] = [(chain[-1], top, await drive.open_folder(chain[-1], top))]
    for _, _, folder in order:
        if folder.withheld:
            raise WithheldError([(folder.path, len(folder.withheld))], WithheldError.REFUSED)
        for child in folder.children:
            if child.is_folder:
                order.append((folder, child, await drive.open_folder(folder, child)))
    return order


def _batch(pending: list[Entry]) -> dict[bytes, Entry]:
    batch: dict[bytes, Entry] = {}
    puts = manifests = 0
    for entry in pending:
        parent, node, folder = entry
        more_puts = len(folder.children) + (0 if parent.folder_id in batch else 1)
        more_manifests = 1 + (0 if parent.folder_id in batch else 1)
        if batch and (
            puts + more_puts > BATCH_PUTS or manifests + more_manifests > BATCH_MANIFESTS
        ):
            break
        batch[node.node_id] = entry
        puts, manifests = puts + more_puts, manifests + more_manifests
    return batch


def _rekeyed(
    drive: Drive,
    batch: dict[bytes, Entry],
    new_keys: dict[bytes, FolderKey],
    writers: dict[bytes, bytes] | None = None,
) -> Change:
    """The change that rotates ``batch``. Every manifest it signs for a rotated folder names
    exactly the records it re-made under that folder's new key: anything else would be a record
    no one can open once the old key is gone."""
    writers = writers or {}
    rekeyed = {
        folder_id: Folder(
            folder_id, new_keys[folder_id], f.manifest, f.children, ancestry=f.ancestry
        )
        for folder_id, (_, _, f) in batch.items()
    }
    change = Change()
    for folder_id, (parent, node, folder) in batch.items():
        if parent.folder_id not in batch:
            # The folder's own record, in a parent that keeps its key in this batch.
            _put(drive, change, parent, node, new_keys[folder_id], (folder.key, writers))
        for child in folder.children:
            new = new_keys.get(child.node_id)
            key = new if new is not None else child.record.open_key(folder.key)
            replaced = (batch[child.node_id][2].key, writers) if new is not None else None
            _put(drive, change, rekeyed[folder_id], child, key, replaced)
    for folder_id, (_, _, folder) in batch.items():
        named = {entry.node_id for entry in folder.manifest.entries}
        if folder_id in change.folders:
            named |= set(change.folders[folder_id][1])
        made = {n.node_id for n in change.added.get(folder_id, [])}
        if named != made:
            raise WithheldError([(folder.path, len(named - made))], WithheldError.REFUSED)
    return change


def _put(
    drive: Drive,
    change: Change,
    parent: Folder,
    node: Node,
    key: FolderKey | FileKey,
    replaced: tuple[FolderKey, dict[bytes, bytes]] | None = None,
) -> None:
    """Re-put ``node`` in ``parent`` with ``key`` wrapped and its metadata sealed under the
    parent's key (which may be new), node version +1, keeping who wrote it; for a folder whose
    key ``key`` replaces, the replaced key and its writers go first in its earlier keys."""
    metadata = authors.attributed(drive.session, drive.owner_id, node, node.metadata)
    if replaced is not None and isinstance(metadata, FolderMetadata):
        chain = successor_chain(replaced[0], replaced[1], metadata.earlier_keys)
        metadata = replace(metadata, earlier_keys=chain)
    record = drive.record_for(parent, node.node_id, key, metadata, node.record.node_version + 1)
    change.puts.append(
        m.NodePut(
            node_id=node.node_id,
            parent_id=parent.folder_id,
            node_type="file" if isinstance(key, FileKey) else "folder",
            record=record,
            content_id=metadata.content_id if isinstance(metadata, FileMetadata) else None,
        )
    )
    change.place(parent, record, metadata)
