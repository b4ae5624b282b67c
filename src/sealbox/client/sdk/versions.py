# SPDX-License-Identifier: AGPL-3.0-or-later
"""A file's kept versions: download one, make one current again, delete them.

Every version is the one ``Tree.versions`` verified against its own signed record (its writer's
signature, its node and folder, its content id) before anything of it is used: a download writes
only content that matches that record's metadata, chunk by chunk, and a restore re-signs only
metadata this device opened and checked.
"""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError, SealboxError
from sealbox.client.sdk.files import Reporter, get_file
from sealbox.client.sdk.tree import Folder, Node
from sealbox.crypto.tree import as_file_metadata


async def current_and_version(drive: Drive, path: str, number: int) -> tuple[Folder, Node, Node]:
    """The file at ``path`` (its folder and node) and its verified kept version ``number``."""
    chain, node = await drive.walk(path)
    if node is None or node.is_folder:
        raise SealboxError(f"not a file: {path}")
    if number == node.record.node_version:
        return chain[-1], node, node
    for found, version in await drive.versions(path):
        if found == number:
            return chain[-1], node, version
    raise NotFoundError(
        f"no version {number} of {path}: `sealbox versions {path}` lists the kept ones"
    )


async def get_version(drive: Drive, path: str, number: int, local: Path, report: Reporter) -> Path:
    """Download version ``number`` of the file at ``path`` to ``local`` (into it, under the
    file's current name, when it is a folder); returns where it was written."""
    parent, current, version = await current_and_version(drive, path, number)
    dest = local / current.name if local.is_dir() else local
    metadata = replace(as_file_metadata(version.metadata), name=current.name)
    key = version.record.open_file_key(version.sealed_under or parent.key)
    await get_file(drive, key, metadata, dest, report)
    return dest


async def restore_version(drive: Drive, path: str, number: int) -> int:
    """Make version ``number`` the file's current content again, as a new version (the one it
    replaces is kept in its turn); returns the new version's number. Name and place stay."""

    async def attempt() -> int:
        parent, current, version = await current_and_version(drive, path, number)
        if version is current:
            return current.record.node_version
        key = version.record.open_file_key(version.sealed_under or parent.key)
        metadata = replace(as_file_metadata(version.metadata), name=current.name, trashed_from=None)
        change = Change()
        drive.add_file(change, parent, metadata, key, existing=current)
        await drive.commit(change)
        return current.record.node_version + 1

    return await drive.retrying(attempt)


async def remove_versions(drive: Drive, path: str, numbers: list[int] | None) -> list[int]:
    """Delete kept versions of the file at ``path`` (``None``: all of them); the current one
    stays. Returns the numbers deleted."""
    _, node = await drive.walk(path)
    if node is None or node.is_folder:
        raise SealboxError(f"not a file: {path}")
    kept = [number for number, _ in await drive.versions(path)]
    if numbers is None:
        numbers = kept
    for number in numbers:
        if number == node.record.node_version:
            raise SealboxError(
                f"version {number} is the current one: delete the file with `sealbox rm`"
            )
        if number not in kept:
            raise NotFoundError(f"no version {number} of {path}")
    for number in numbers:
        await drive.api.remove_version(node.node_id, number)
    return numbers
