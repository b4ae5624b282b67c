# SPDX-License-Identifier: AGPL-3.0-or-later
"""A local folder and a remote folder walked side by side, file by file: for ``check`` and for
what ``put --dry-run`` and ``get --dry-run`` would do.

Every file below either top is paired with the file of the same path on the other side, or with
nothing. Folders are entered on whichever side has them, from an explicit stack (no recursion),
so a folder on one side only still lists every file below it. Remote folders are verified as any
walk verifies them (walks.py); a folder whose listing the server cut short is noted in
``withheld``. Paths are relative to the tops, with ``/`` between names.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sealbox.client.sdk import local_tree, walks
from sealbox.client.sdk.failures import Failures
from sealbox.client.sdk.local_tree import Links
from sealbox.client.sdk.selection import Selection
from sealbox.client.sdk.tree import Folder, Node
from sealbox.client.sdk.walks import Withheld

Opener = Callable[[Folder, Node], Awaitable[Folder]]


@dataclass(frozen=True)
class Pair:
    """One file path: the local file and the remote file (with the folder whose key opens its
    key), either possibly missing."""

    relative: str
    local: Path | None
    remote: Node | None = None
    parent: Folder | None = None


@dataclass(frozen=True)
class Sides:
    """What the walk takes on each side."""

    selection: Selection
    links: Links
    failures: Failures
    withheld: Withheld


def _join(relative: str, name: str) -> str:
    return f"{relative}/{name}" if relative else name


async def pair_trees(
    open_folder: Opener, local: Path | None, remote: Folder | None, remote_path: str, sides: Sides
) -> list[Pair]:
    """Every file below ``local`` and ``remote`` (either may be None: nothing there), paired."""
    pairs: list[Pair] = []
    top = frozenset({local_tree.identity(local)}) if local is not None else frozenset()
    stack: list[tuple[str, Path | None, Folder | None, frozenset[tuple[int, int]]]] = [
        ("", local, remote, top)
    ]
    while stack:
        relative, here, there, above = stack.pop()
        files, folders = _local_entries(here, relative, sides, above)
        remote_files: dict[str, Node] = {}
        remote_folders: dict[str, Node] = {}
        if there is not None:
            walks.note_withheld(there, f"{remote_path}/{relative}".rstrip("/"), sides.withheld)
            for node in there.children:
                kind = remote_folders if node.is_folder else remote_files
                if sides.selection.enters_folder(_join(relative, node.name)) or not node.is_folder:
                    kind.setdefault(node.name, node)  # a repeated name: the first (by manifest)
        for name in sorted(files.keys() | remote_files.keys()):
            if sides.selection.takes_file(_join(relative, name)):
                pairs.append(
                    Pair(_join(relative, name), files.get(name), remote_files.get(name), there)
                )
        for name in sorted(folders.keys() | remote_folders.keys(), reverse=True):
            found = remote_folders.get(name)
            opened = await open_folder(there, found) if found is not None and there else None
            below = folders.get(name)
            seen = above | {local_tree.identity(below)} if below is not None else above
            stack.append((_join(relative, name), below, opened, seen))
    return pairs


def _local_entries(
    here: Path | None, relative: str, sides: Sides, above: frozenset[tuple[int, int]]
) -> tuple[dict[str, Path], dict[str, Path]]:
    """The files (links copied as themselves count as files) and folders of a local folder."""
    if here is None:
        return {}, {}
    listing = local_tree.list_folder(here, sides.links, sides.failures, above)
    if listing is None:
        return {}, {}
    files = {name: path for path, name in [*listing.files, *listing.links]}
    folders = {
        name: path
        for path, name in listing.folders
        if sides.selection.enters_folder(_join(relative, name))
    }
    return files, folders


def local_file(path: Path, links: Links) -> os.stat_result:
    """The stat a comparison uses: of a link itself when links are copied as themselves."""
    return path.lstat() if links is Links.COPY and path.is_symlink() else path.stat()
