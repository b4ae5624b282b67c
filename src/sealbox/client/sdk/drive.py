# SPDX-License-Identifier: AGPL-3.0-or-later
"""The user's operations on the drive: make folders, move, copy, remove, restore, empty the trash.

Each is a read-modify-commit attempt, run again when a manifest went stale under it
(changes.py); reading and verifying is tree.py's.
"""

from __future__ import annotations

from msgspec.structs import replace

from sealbox.client.sdk import walks
from sealbox.client.sdk.changes import Change, Editor
from sealbox.client.sdk.clock import local_stamp
from sealbox.client.sdk.errors import ApiError, ConflictError, NotFoundError, WithheldError
from sealbox.client.sdk.removals import Removal
from sealbox.client.sdk.tree import Folder, Node, join_path, missing, split_path
from sealbox.client.sdk.walks import Withheld, ancestry_of
from sealbox.crypto.keys import FileKey
from sealbox.crypto.tree import as_file_metadata

COPY_BATCH = 1000  # node puts per transaction when a folder's copy is filled


class Drive(Editor):
    """An unlocked account's drive: reading (tree.py), changing (changes.py) and the operations
    a person asks for, here."""

    async def mkdir(self, path: str, parents: bool = False) -> None:
        parts = split_path(path)
        if not parts:
            if parents:
                return
            raise ConflictError("the root folder already exists")

        async def attempt() -> None:
            folder = await self.root()
            for depth, name in enumerate(parts):
                node = folder.resolve(name)
                last = depth == len(parts) - 1
                if node is not None:
                    if not node.is_folder:
                        raise ConflictError(f"not a folder: {join_path(parts[: depth + 1])}")
                    if last and not parents:
                        raise ConflictError(f"already exists: {join_path(parts)}")
                    folder = await self.open_folder(folder, node)
                    continue
                if not (last or parents):
                    missing(folder, f"no such folder: {join_path(parts[: depth + 1])}")
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
            metadata = as_file_metadata(replace(node.metadata, name=name, trashed_from=None))
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
                    metadata = as_file_metadata(replace(child.metadata, trashed_from=None))
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
                name = _free_name(trash, node.name, local_stamp(self.clock))
                self.move_node(change, parent, node, trash, name, trashed_from=parent.folder_id)
            await self.commit(change)

        await self.retrying(attempt)

    async def restore(self, name: str) -> str:
        """Move an item out of the trash to where it was deleted from; returns its new path."""

        async def attempt() -> str:
            trash = await self.trash()
            node = trash.resolve(name)
            if node is None:
                raise NotFoundError(f"not in the trash: {name}")
            origin = node.metadata.trashed_from or self.session.root_id
            target, path = await self._folder_by_id(origin)
            original = name.rsplit(" (deleted ", 1)[0] if " (deleted " in name else name
            final = _free_name(target, original, local_stamp(self.clock))
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

    async def acknowledge_removed(self, path: str) -> list[Removal]:
        """Sign a new manifest of the folder at ``path`` without the items a published decision
        removed from it (spec/compliance.md §3.4), so that they are no longer listed. Returns
        what was acknowledged."""

        async def attempt() -> list[Removal]:
            folder = await self.folder_at(path)
            if not folder.removed:
                return []
            change = Change()
            change.touch(folder)
            await self.commit(change)
            return list(folder.removed)

        return await self.retrying(attempt)

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


def _free_name(folder: Folder, name: str, stamp: str) -> str:
    """``name``, or a variant stamped with the time that does not collide inside ``folder`` (for
    the trash)."""
    if not folder.named(name):
        return name
    candidate = f"{name} (deleted {stamp})"
    counter = 2
    while folder.named(candidate):
        candidate = f"{name} (deleted {stamp} {counter})"
        counter += 1
    return candidate
