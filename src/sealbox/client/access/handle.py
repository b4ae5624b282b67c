# SPDX-License-Identifier: AGPL-3.0-or-later
"""A blocking handle on the drive, for programs that only know files.

The async SDK runs on a loop of its own (loop.py); each call here waits for its result. Paths
are absolute drive paths (``/docs/a.txt``). Listings come from the verified tree, kept a short
while (listings.py); every change made here drops them. Failures are ``OSError``s (errors.py):
a listing or chunk that does not verify is ``Tampered`` (EIO), never wrong bytes; an item the
operator removed after a published decision is ``Removed`` (EACCES). A name that may be a
removed item is free for a new file: ``exists`` says False and writing it works.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sealbox.client.access.errors import Removed, as_os_errors, not_found
from sealbox.client.access.listings import Listings
from sealbox.client.access.loop import LoopThread
from sealbox.client.access.reader import ContentReader, RemoteReader
from sealbox.client.access.writer import StagingWriter
from sealbox.client.sdk import files
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.tree import Folder, Node, join_path, split_path
from sealbox.crypto.tree import FileMetadata, as_file_metadata

T = TypeVar("T")
Opener = Callable[[], AbstractAsyncContextManager[Drive]]


@dataclass(frozen=True)
class Entry:
    """A file or folder as its verified listing describes it."""

    path: str
    name: str
    is_folder: bool
    size: int
    mtime: float  # seconds since the Unix epoch, as the writer stated it
    mime: str
    etag: str  # changes whenever the node changes (its id and signed version)

    @classmethod
    def of(cls, path: str, node: Node) -> Entry:
        mime = node.metadata.mime if isinstance(node.metadata, FileMetadata) else ""
        etag = f"{node.node_id.hex()}-{node.record.node_version}"
        return cls(path, node.name, node.is_folder, node.size, node.metadata.mtime / 1000, mime,
                   etag)  # fmt: skip


def _root_entry(folder: Folder) -> Entry:
    return Entry("/", "", True, 0, 0.0, "", f"{folder.folder_id.hex()}-root")


class DriveHandle:
    """The drive, for blocking callers; ``close`` when done (or use it as a context manager).

    ``opener`` gives the SDK drive, entered on the handle's own loop (so the HTTP client and the
    local state live there); ``ttl`` is how long a verified listing is kept; ``watch_feed`` drops
    kept listings as soon as the change feed reports a change."""

    def __init__(
        self, opener: Opener, ttl: float = 2.0, watch_feed: bool = True,
        note: Callable[[str], None] | None = None,
    ) -> None:  # fmt: skip
        self._loop = LoopThread()
        self._stack = AsyncExitStack()
        self._closed = False
        try:
            self.drive: Drive = self._loop.run(self._stack.enter_async_context(opener()))
        except BaseException:
            self._loop.stop()
            raise
        self.listings = Listings(self.drive, ttl, note=note)
        self._watch: Future[None] | None = None
        if watch_feed:
            self._watch = self.submit(self.listings.watch_feed())

    def __enter__(self) -> DriveHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the loop; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        try:
            self._loop.run(self._stack.aclose())
        finally:
            self._loop.stop()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop.loop)

    def _run(self, path: str, coro: Coroutine[Any, Any, T]) -> T:
        with as_os_errors(path):
            return self._loop.run(coro)

    # Reading ----------------------------------------------------------------------------------

    def stat(self, path: str) -> Entry:
        return self._run(path, self._stat(path))

    async def _stat(self, path: str) -> Entry:
        parts = split_path(path)
        if not parts:
            return _root_entry(await self.listings.folder("/"))
        _, node = await self.listings.lookup(path)
        return Entry.of(join_path(parts), node)

    def exists(self, path: str) -> bool:
        return self.find(path) is not None

    def find(self, path: str) -> Entry | None:
        """The entry at ``path``, or None where there is none: missing, or removed by the
        operator (the name is free for a new file either way)."""
        try:
            return self.stat(path)
        except (FileNotFoundError, Removed):
            return None

    def listdir(self, path: str) -> list[Entry]:
        """The children of the folder at ``path``, by name."""
        return self._run(path, self._listdir(path))

    async def _listdir(self, path: str) -> list[Entry]:
        base = join_path(split_path(path))
        folder = await self.listings.folder(base)
        prefix = base.rstrip("/")
        children = sorted(folder.children, key=lambda n: n.name)
        return [Entry.of(f"{prefix}/{node.name}", node) for node in children]

    def open_read(self, path: str) -> RemoteReader:
        reader = self._run(path, self._open_read(path))
        return RemoteReader(reader, self.submit, path)

    async def _open_read(self, path: str) -> ContentReader:
        parent, node = await self.listings.lookup(path)
        if node.is_folder:
            raise IsADirectoryError(errno.EISDIR, "a folder, not a file", path)
        reader = ContentReader(
            self.drive.api, node.record.open_file_key(parent.key), as_file_metadata(node.metadata)
        )
        await reader.open()
        return reader

    def read_bytes(self, path: str) -> bytes:
        with self.open_read(path) as reader:
            return reader.read()

    # Changing ---------------------------------------------------------------------------------

    def open_write(self, path: str) -> StagingWriter:
        """A new file at ``path`` (a new version if one is there), uploaded when closed."""
        return StagingWriter(lambda staged: self.upload(staged, path), path)

    def _check_writable(self, path: str) -> None:
        parts = split_path(path)
        if not parts:
            raise IsADirectoryError(errno.EISDIR, "the root is a folder", path)
        parent = self.stat(join_path(parts[:-1]))
        if not parent.is_folder:
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", parent.path)
        found = self.find(path)
        if found is not None and found.is_folder:
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way", path)

    def upload(self, local: Path, path: str) -> None:
        """Put the local file ``local`` at ``path``, replacing a file there."""
        self._check_writable(path)
        parts = split_path(path)
        # Under its own name, the file goes straight into the parent folder: one walk, not two.
        target = join_path(parts[:-1] if local.name == parts[-1] else parts)
        self._change(path, files.put(self.drive, [local], target, files.Reporter()))

    def _change(self, path: str, coro: Coroutine[Any, Any, T], *touched: str) -> T:
        """Run a change; the listings it touches (at ``path`` and ``touched``) are dropped."""
        try:
            return self._run(path, coro)
        finally:
            self.listings.forget(path, *touched)

    def mkdir(self, path: str, parents: bool = False) -> None:
        parts = split_path(path)
        above = [join_path(parts[:i]) for i in range(1, len(parts))] if parents else []
        self._change(path, self.drive.mkdir(path, parents=parents), *above)

    def move(self, source: str, target: str) -> None:
        """Move or rename ``source`` to exactly ``target``, which must not exist yet."""
        self._free(target)
        self._change(source, self.drive.move(source, target), target)

    def copy(self, source: str, target: str) -> None:
        """Copy ``source`` (a file or a whole folder) to exactly ``target``, which must not exist
        yet; the copy shares the content, nothing is uploaded again."""
        self._free(target)
        self._change(source, self.drive.copy(source, target), target)

    def _free(self, target: str) -> None:
        if self.exists(target):
            raise FileExistsError(errno.EEXIST, "already exists", target)
        parts = split_path(target)
        if not parts or not self.stat(join_path(parts[:-1])).is_folder:
            raise NotADirectoryError(errno.ENOTDIR, "the target's parent is not a folder", target)

    def delete(self, path: str) -> None:
        """Move to the trash (``sealbox trash ls`` lists it, ``sealbox trash restore`` brings it
        back)."""
        if not self.exists(path):
            raise not_found(path)
        self._change(path, self.drive.remove(path))
