# SPDX-License-Identifier: AGPL-3.0-or-later
"""Copying between the local disk and the drive: ``put`` and ``get`` of files and whole trees.

Small files are sealed whole and committed many to a transaction (one manifest update per batch,
not per file); large ones go through the resumable chunked upload. Remote names are compared
exactly, so names that differ only in case are different files, as on Linux.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR
from typing import Protocol

from sealbox.client.sdk import duplicates, transfers, walks
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import ConflictError, NotFoundError, SealboxError, WithheldError
from sealbox.client.sdk.small_files import Hooks, SmallFile, download_each, download_small
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.tree import Folder, Node, join_path, split_path
from sealbox.client.sdk.walks import Withheld
from sealbox.crypto import content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey
from sealbox.crypto.tree import FileMetadata, as_file_metadata

BATCH_FILES = 500
BATCH_BYTES = 12 * 1024 * 1024  # inline bytes per transaction, under the server's 16 MiB
SEAL_GROUP = 64  # small files sealed per worker-thread hop


@dataclass
class Reporter:
    """Hooks a front end uses to show progress; all optional."""

    start_file: Callable[[str, int], None] = lambda name, size: None
    advance: Callable[[int], None] = lambda n: None
    finish_file: Callable[[str], None] = lambda name: None
    # A download wrote an item under another name, since another item in its folder has the same
    # one (spec/metadata.md, "Duplicate names"): (remote path, local path).
    renamed: Callable[[str, Path], None] = lambda remote, local: None


class _Batch:
    """Small files waiting to be committed together into one folder.

    Batches are pipelined: once a batch is staged (its manifest signed against the folder as the
    previous batch leaves it), it is sent while the next one is sealed. Each transaction waits for
    the one before it, since each names the manifest version the previous one creates.
    """

    def __init__(self, drive: Drive, folder: Folder) -> None:
        self.drive, self.folder = drive, folder
        self.change, self.bytes, self.files = Change(), 0, 0
        self.in_flight: asyncio.Task[object] | None = None

    def seal_until_full(self, queue: list[tuple[Path, str]]) -> list[tuple[str, int]]:
        """Seal files from the front of ``queue`` into this batch until it is full (run in a
        worker thread: libsodium and file reads release the GIL). Returns (name, size) of each
        file taken, in order."""
        taken = []
        for path, name in queue:
            if self.full():
                break
            existing = self.folder.child(name)
            if existing is not None and existing.is_folder:
                raise ConflictError(f"a folder is in the way: {name}")
            sealed = transfers.seal_small(path, name, self.drive.rng)
            assert sealed.inline is not None
            self.drive.add_file(
                self.change, self.folder, sealed.metadata, sealed.file_key,
                existing=existing, inline=sealed.inline,
            )  # fmt: skip
            self.bytes += len(sealed.inline.chunk)
            self.files += 1
            taken.append((name, sealed.metadata.size))
        return taken

    def full(self) -> bool:
        return self.files >= BATCH_FILES or self.bytes >= BATCH_BYTES

    async def send(self) -> None:
        """Stage the files gathered so far and send them once the batch before has landed."""
        if not self.files:
            return
        staged = self.drive.stage(self.change)
        await self.wait()
        self.in_flight = asyncio.create_task(self.drive.send(staged))
        self.folder = staged.after[self.folder.folder_id]
        self.change, self.bytes, self.files = Change(), 0, 0

    async def wait(self) -> None:
        if self.in_flight is not None:
            task, self.in_flight = self.in_flight, None
            await task

    async def flush(self) -> Folder:
        await self.send()
        await self.wait()
        return self.folder

    async def abandon(self) -> None:
        if self.in_flight is not None:
            self.in_flight.cancel()
            with contextlib.suppress(BaseException):
                await self.in_flight
            self.in_flight = None


async def put(drive: Drive, sources: list[Path], remote: str, report: Reporter) -> None:
    """Upload files and folders, like ``cp -r SOURCES... REMOTE``."""
    for source in sources:
        if not source.exists():
            raise NotFoundError(f"no such local file or folder: {source}")
    parts = split_path(remote)
    try:
        target = await drive.folder_at(remote)
        names: list[str | None] = [None] * len(sources)
    except NotFoundError:
        if len(sources) > 1 or not parts:
            raise
        # A single source is copied to the new name, inside the existing parent.
        target = await drive.folder_at(join_path(parts[:-1]))
        names = [parts[-1]]
    except SealboxError:
        if len(sources) > 1:
            raise
        chain, node = await drive.walk(remote)
        assert node is not None
        target, names = chain[-1], [node.name]
    for source, name in zip(sources, names, strict=True):
        name = name or source.name
        if source.is_dir():
            folder = await drive.ensure_folder(target, name)
            await _put_tree(drive, source, folder, report)
            target = await drive.reload(target)
        else:
            target = await _put_files(drive, target, [(source, name)], report)


async def _put_tree(drive: Drive, local: Path, folder: Folder, report: Reporter) -> None:
    files, folders = [], []
    with os.scandir(local) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry)
            elif entry.is_file(follow_symlinks=True):
                files.append((Path(entry.path), entry.name))
    folder = await _put_files(drive, folder, files, report)
    for entry in folders:
        child = await drive.ensure_folder(folder, entry.name)
        folder = await drive.reload(folder)
        await _put_tree(drive, Path(entry.path), child, report)


async def _put_files(
    drive: Drive, folder: Folder, files: list[tuple[Path, str]], report: Reporter
) -> Folder:
    session = drive.session
    scope = f"{session.server}:{session.username}"
    batch = _Batch(drive, folder)
    queue: list[tuple[Path, str]] = []

    async def seal_queued() -> None:
        nonlocal queue
        while queue:
            taken = await asyncio.to_thread(batch.seal_until_full, queue)
            for name, size in taken:
                report.start_file(name, size)
                report.advance(size)
                report.finish_file(name)
            queue = queue[len(taken) :]
            if batch.full():
                await batch.send()

    try:
        for path, name in files:
            size = path.stat().st_size
            if size <= transfers.INLINE_MAX:
                queue.append((path, name))
                if len(queue) >= SEAL_GROUP:
                    await seal_queued()
                continue
            await seal_queued()
            existing = batch.folder.child(name)
            if existing is not None and existing.is_folder:
                raise ConflictError(f"a folder is in the way: {name}")
            report.start_file(name, size)
            sealed = await transfers.upload(
                drive.api, session.state, scope, path, name, progress=report.advance,
                rng=drive.rng,
            )  # fmt: skip
            folder = await batch.flush()
            batch.folder = await _commit_uploaded(drive, folder, sealed)
            if sealed.journal_key:
                session.state.drop_journal(sealed.journal_key)
            report.finish_file(name)
        await seal_queued()
        return await batch.flush()
    except BaseException:
        await batch.abandon()
        raise


async def _commit_uploaded(drive: Drive, folder: Folder, sealed: transfers.Sealed) -> Folder:
    """Put a file whose content finished uploading, retrying if the folder changed meanwhile."""

    async def attempt() -> Folder:
        current = await drive.reload(folder)
        change = Change()
        drive.add_file(
            change, current, sealed.metadata, sealed.file_key,
            existing=current.child(sealed.metadata.name),
        )  # fmt: skip
        return (await drive.commit(change))[current.folder_id]

    return await drive.retrying(attempt)


async def get(drive: Drive, sources: list[str], local: Path, report: Reporter) -> None:
    """Download files and folders, like ``cp -r SOURCES... LOCAL``. Items the server withholds
    are reported once everything else is down (WithheldError)."""
    into_dir = local.is_dir()
    if len(sources) > 1 and not into_dir:
        raise SealboxError(f"{local} is not a folder")
    withheld: Withheld = []
    for source in sources:
        chain, node = await drive.walk(source)
        if node is None:
            target = local if not into_dir else local / "root"
            await _get_tree(drive, chain[0], target, report, withheld)
            continue
        target = local / node.name if into_dir else local
        if node.is_folder:
            folder = await drive.open_folder(chain[-1], node)
            await _get_tree(drive, folder, target, report, withheld)
        else:
            await _get_file(drive, chain[-1], node, target, report)
    if withheld:
        raise WithheldError(withheld, WithheldError.READING)


class TreeReader(Protocol):
    """What downloading needs: verified folders, the calls to fetch content, transfer journals.
    Both an account's drive and a link visitor provide it."""

    @property
    def api(self) -> Api: ...

    @property
    def state(self) -> LocalState: ...

    @property
    def scope(self) -> str: ...

    async def open_folder(self, parent: Folder, node: Node) -> Folder: ...

    async def walk(self, path: str) -> tuple[list[Folder], Node | None]: ...


async def stream_file(reader: TreeReader, path: str) -> AsyncIterator[bytes]:
    """The plaintext of the file at ``path``, a chunk at a time, each yielded only once it
    verified: a server that tampers with a chunk stops the stream there (IntegrityError), after
    only verified bytes. For writing to a pipe; ``get`` writes files and resumes."""
    chain, node = await reader.walk(path)
    if node is None or node.is_folder:
        raise SealboxError(f"not a file: {path}")
    key = node.record.open_file_key(chain[-1].key)
    metadata = as_file_metadata(node.metadata)
    content_id = metadata.content_id
    header, stated = await reader.api.content_range_sized(content_id, 0, content.HEADER_BYTES)
    decryptor = content.ContentDecryptor(
        key, header, content_id, metadata.header_hash, metadata.size
    )
    transfers.check_geometry(decryptor, stated)
    for index in range(decryptor.chunks):
        start, end = decryptor.chunk_range(index)
        sealed = await reader.api.content_range(content_id, start, end)
        if len(sealed) != end - start:
            raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index}")
        yield bytes(decryptor.decrypt_chunk(index, sealed))


async def get_file(
    reader: TreeReader, key: FileKey, metadata: FileMetadata, dest: Path, report: Reporter
) -> None:
    report.start_file(metadata.name, metadata.size)
    await transfers.download(
        reader.api, reader.state, reader.scope, key, metadata, dest, progress=report.advance
    )
    report.finish_file(metadata.name)


async def _get_file(
    drive: TreeReader, parent: Folder, node: Node, dest: Path, report: Reporter
) -> None:
    metadata = as_file_metadata(node.metadata)
    await get_file(drive, node.record.open_file_key(parent.key), metadata, dest, report)


async def get_tree(drive: TreeReader, folder: Folder, dest: Path, report: Reporter) -> None:
    """Download a verified folder and everything below it into ``dest``; items the server
    withholds are reported once everything else is down (WithheldError)."""
    withheld: Withheld = []
    await _get_tree(drive, folder, dest, report, withheld)
    if withheld:
        raise WithheldError(withheld, WithheldError.READING)


async def _get_tree(
    drive: TreeReader, top: Folder, dest: Path, report: Reporter, withheld: Withheld
) -> None:
    """Every folder below ``top``, one at a time, parents first (walks.py: no recursion, no
    cycle, bounded depth); paths in ``withheld`` are the remote ones."""
    base = top.path.rstrip("/")
    me = drive.session.user_id if isinstance(drive, Drive) else None
    places: dict[bytes, Path] = {}  # where each folder met so far goes, by folder id
    async for path, folder in walks.folders_below(drive, top, base, withheld):
        local = places.pop(folder.folder_id, dest)
        names = _local_names(folder, me, path, local, report)
        places.update((n.node_id, local / names[n.node_id]) for n in folder.children if n.is_folder)
        await _get_folder_files(drive, folder, local, report, names)


def _local_names(
    folder: Folder, me: bytes | None, path: str, local: Path, report: Reporter
) -> dict[bytes, str]:
    """Each child's local name: every child is written, those whose name another child shares
    under names of their own, each reported (spec/metadata.md, "Duplicate names")."""
    names = duplicates.local_names(folder.by_name, me)
    for node in folder.children:
        if names[node.node_id] != node.name:
            report.renamed(f"{path}/{folder.label(node)}", local / names[node.node_id])
    return names


def make_local_folder(path: Path) -> None:
    """Create (or reuse) a folder a download writes into. A folder the walk enters must be a real
    folder of this user's: a symlink planted at a subfolder's name (in a shared /tmp, say) would
    carry verified plaintext somewhere else, so it is refused, and nothing is written through it
    (threat catalogue A35). The folders above the first one the walk makes are the user's choice."""
    if not path.is_symlink():
        path.mkdir(parents=True, exist_ok=True)
    found = os.lstat(path)
    if not S_ISDIR(found.st_mode) or found.st_uid != os.geteuid():
        raise SealboxError(
            f"refused to write into {path}: it is a symbolic link or a folder of another user, "
            "so files put there could end up somewhere else; nothing was written into it. "
            "Remove it, or download to another folder"
        )


async def _get_folder_files(
    drive: TreeReader, folder: Folder, dest: Path, report: Reporter, names: dict[bytes, str]
) -> None:
    make_local_folder(dest)
    small = []
    for node in folder.children:
        if not node.is_folder and node.size <= transfers.INLINE_MAX:
            key = node.record.open_file_key(folder.key)
            small.append(
                SmallFile(key, as_file_metadata(node.metadata), dest / names[node.node_id])
            )
    # Small files are latency-bound: many go in one request where the API allows it, several
    # requests at once; large ones already keep several chunk requests in flight each.
    hooks = Hooks(report.start_file, report.advance, report.finish_file)
    if drive.api.batches_contents:
        await download_small(drive.api, small, hooks)
    else:
        await download_each(drive.api, small, hooks)
    for node in sorted(folder.children, key=lambda n: n.name):
        if not node.is_folder and node.size > transfers.INLINE_MAX:
            await _get_file(drive, folder, node, dest / names[node.node_id], report)
