# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading a local folder for ``put``: which entries are files to upload, which are folders to
go into, and which are skipped, each skipped one said out loud.

The drive holds files and folders only. Fifos, sockets and devices are skipped. Symbolic links
follow a policy (``--links``):

- ``skip`` (the default): each link is skipped and named;
- ``follow``: a link is uploaded as what it points to, a file or a whole folder; a link to
  nothing, or to a folder already on the way down (a loop), is skipped;
- ``copy``: the link itself is uploaded, as a small file holding the path it points to (the
  drive has no links, and ``get`` never makes one: a name another writer chose must not send
  files elsewhere on this disk).

A folder that cannot be read is a failure of its own; the rest of the tree goes on.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sealbox.client.sdk.failures import Failures
from sealbox.client.sdk.selection import Selection


class Links(StrEnum):
    SKIP = "skip"
    FOLLOW = "follow"
    COPY = "copy"


@dataclass
class Listing:
    """One local folder's entries to upload, by name."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    links: list[tuple[Path, str]] = field(default_factory=list)  # uploaded as their target text
    folders: list[tuple[Path, str]] = field(default_factory=list)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a fifo"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def list_folder(
    local: Path, links: Links, failures: Failures, above: frozenset[tuple[int, int]]
) -> Listing | None:
    """The entries of ``local`` by name; None (the failure noted) when it cannot be read.
    ``above`` holds the (device, inode) of the folders on the way down, to refuse loops."""
    listing = Listing()
    try:
        with os.scandir(local) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        failures.fail(str(local), exc)
        return None
    for entry in entries:
        path = Path(entry.path)
        try:
            _sort(entry, path, links, failures, above, listing)
        except OSError as exc:
            failures.fail(str(path), exc)
    return listing


def _sort(
    entry: os.DirEntry[str],
    path: Path,
    links: Links,
    failures: Failures,
    above: frozenset[tuple[int, int]],
    listing: Listing,
) -> None:
    if entry.is_symlink():
        if links is Links.SKIP:
            failures.skip(str(path), "a symbolic link (--links follow or --links copy takes it)")
            return
        if links is Links.COPY:
            listing.links.append((path, entry.name))
            return
        try:
            found = path.stat()
        except FileNotFoundError:
            failures.skip(str(path), "a symbolic link to nothing")
            return
        if stat.S_ISDIR(found.st_mode) and (found.st_dev, found.st_ino) in above:
            failures.skip(str(path), "a symbolic link to a folder above it (a loop)")
            return
    else:
        found = entry.stat(follow_symlinks=False)
    if stat.S_ISDIR(found.st_mode):
        listing.folders.append((path, entry.name))
    elif stat.S_ISREG(found.st_mode):
        listing.files.append((path, entry.name))
    else:
        failures.skip(str(path), _kind(found.st_mode))


def select(listing: Listing, top: Path, selection: Selection) -> None:
    """Keep in ``listing`` only what ``selection`` takes; paths are matched relative to ``top``,
    the folder the transfer started from (selection.py)."""

    def relative(path: Path) -> str:
        return path.relative_to(top).as_posix()

    listing.files = [(p, n) for p, n in listing.files if selection.takes_file(relative(p))]
    listing.links = [(p, n) for p, n in listing.links if selection.takes_file(relative(p))]
    listing.folders = [(p, n) for p, n in listing.folders if selection.enters_folder(relative(p))]


def identity(path: Path) -> tuple[int, int]:
    found = path.stat()
    return found.st_dev, found.st_ino


def local_total(paths: list[Path]) -> int:
    """The bytes a ``put`` of ``paths`` reads at most (for a progress bar): regular files only,
    unreadable folders left out."""
    total = 0
    for top in paths:
        if not top.is_dir():
            total += top.stat().st_size if top.is_file() else 0
            continue
        for folder, _dirs, names in os.walk(top, onerror=lambda _: None):
            for name in names:
                try:
                    found = os.lstat(os.path.join(folder, name))
                except OSError:
                    continue
                if stat.S_ISREG(found.st_mode):
                    total += found.st_size
    return total
