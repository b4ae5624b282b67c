# SPDX-License-Identifier: AGPL-3.0-or-later
"""A file's kept versions as the reader verifies them (spec/metadata.md, "Versions";
spec/sharing.md, "Earlier keys after a rotation").

Each version is checked like a current record: its number against the server's, its node and
folder, its writer's signature, its content id. A version written before the folder's key was
replaced (a member's removal) is sealed under an earlier key of the folder: it opens only under
a key of the folder's own signed list of earlier keys, and its writer must be the account or a
writer of the roster in force while that key was the folder's key, as that list names them. A
server cannot extend the list (the owner's signature covers it), so it cannot pass off a version
under any other key nor by any other writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sealbox.client.sdk.errors import SealboxError
from sealbox.client.sdk.walks import ancestry_of
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.key_chain import EarlierKey
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.tree import (
    FileMetadata,
    FolderMetadata,
    Metadata,
    NodeRecord,
    parse_node_record,
)

if TYPE_CHECKING:
    from sealbox.client.sdk.tree import Folder, Tree


@dataclass(frozen=True)
class Kept:
    """One verified kept version: its record, its metadata, the size the server reports, and
    the folder key it was sealed under when that is not the folder's key now."""

    record: NodeRecord
    metadata: FileMetadata
    stored_size: int
    sealed_under: FolderKey | None


async def kept_versions(tree: Tree, path: str) -> list[Kept]:
    """Earlier versions of a file, each verified, newest first. The
    number and the order are the signed node version's; a server that numbers a version
    otherwise, or lists one twice, is refused."""
    chain, node = await tree.walk(path)
    if node is None or node.is_folder:
        raise SealboxError(f"not a file: {path}")
    parent = chain[-1]
    earlier = earlier_keys(chain)
    found: dict[int, Kept] = {}
    numbers: set[int] = set()
    for version in (await tree.api.versions(node.node_id)).versions:
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
        metadata, key = await _verified(tree, parent, earlier, record)
        if not isinstance(metadata, FileMetadata) or metadata.content_id != version.content_id:
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "version names other content")
        under = None if key is parent.key else key
        found[record.node_version] = Kept(record, metadata, version.size, under)
    return [found[n] for n in sorted(found, reverse=True)]


def earlier_keys(chain: list[Folder]) -> tuple[EarlierKey, ...]:
    """The earlier keys of the last folder of ``chain``, from its own record in its parent
    (verified there); none for the top of the walk."""
    if len(chain) < 2:
        return ()
    folder = chain[-1]
    for child in chain[-2].children:
        if child.node_id == folder.folder_id and isinstance(child.metadata, FolderMetadata):
            return child.metadata.earlier_keys
    return ()


async def _verified(
    tree: Tree, parent: Folder, earlier: tuple[EarlierKey, ...], record: NodeRecord
) -> tuple[Metadata, FolderKey]:
    """The version's metadata and the folder key it was sealed under, once its writer's
    signature is checked against the writers of that key's time."""
    try:
        metadata = record.open_metadata(parent.key)
    except IntegrityError:
        metadata = None
    if metadata is not None:
        writer_key = tree.writers.get(record.writer_id)
        if writer_key is None:
            # Written by a write member of a share on the verified path to this folder?
            writer_key = (await tree.writers_on(ancestry_of(parent))).get(record.writer_id)
        _check_writer(record, writer_key)
        return metadata, parent.key
    for entry in earlier:
        key = entry.folder_key()
        try:
            metadata = record.open_metadata(key)
        except IntegrityError:
            continue
        writer_key = {**entry.writer_keys(), **tree.writers}.get(record.writer_id)
        _check_writer(record, writer_key)
        return metadata, key
    raise IntegrityError(
        ErrorCode.DECRYPT_FAILED,
        "a kept version opens neither under the folder's key nor under any earlier key the "
        "owner signed for it",
    )


def _check_writer(record: NodeRecord, writer_key: bytes | None) -> None:
    if writer_key is None:
        raise IntegrityError(ErrorCode.BAD_SIGNATURE, "a version by an unknown writer")
    record.verify(writer_key)
