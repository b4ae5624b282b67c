# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: put and get of trees share the reporter, the destinations and per-item failures.
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

from sealbox.client.sdk import (
    comparison,
    destinations,
    duplicates,
    local_tree,
    orphans,
    thumbnails,
    transfers,
    walks,
)
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import ConflictError, NotFoundError, SealboxError, WithheldError
from sealbox.client.sdk.failures import Failures, Notice
from sealbox.client.sdk.local_tree import Links
from sealbox.client.sdk.small_files import Hooks, SmallFile, download_each, download_small
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.transfer_options import TransferOptions
from sealbox.client.sdk.tree import Folder, Node, join_path, split_path
from sealbox.client.sdk.walks import Withheld
from sealbox.crypto import content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey
from sealbox.crypto.layout import b64url
from sealbox.crypto.tree import FileMetadata, as_file_metadata

BATCH_FILES = 500
BATCH_BYTES = 12 * 1024 * 1024  # inline bytes per transaction, under the server's 16 MiB
SEAL_GROUP = 64  # small files sealed per worker-thread hop

Queued = tuple[Path, str, bool]  # local path, remote name, whether a link uploaded as itself
Failed = list[tuple[str, BaseException]]


@dataclass
class Reporter:
    """Hooks a front end uses to show progress and per-item trouble; all optional."""

    start_file: Callable[[str, int], None] = lambda name, size: None
    advance: Callable[[int], None] = lambda n: None
    finish_file: Callable[[str], None] = lambda name: None
    # A download wrote an item under another name, since another item in its folder has the same
    # one (spec/metadata.md, "Duplicate names"): (remote path, local path).
    renamed: Callable[[str, Path], None] = lambda remote, local: None
    failed: Notice = lambda path, reason: None
    skipped: Notice = lambda path, why: None
    # A file left alone since it is the same on both sides (comparison.py): its path.
    unchanged: Callable[[str], None] = lambda path: None
    # Bytes an earlier, interrupted run already moved (resumed chunks): done, but not moved by
    # this run, so not part of its rate. None: they go to ``advance`` like the others.
    resumed: Callable[[int], None] | None = None

    def failures(self) -> Failures:
        return Failures(self.failed, self.skipped)


class _Batch:
    """Small files waiting to be committed together into one folder.

    Batches are pipelined: once a batch is staged (its manifest signed against the folder as the
    previous batch leaves it), it is sent while the next one is sealed. Each transaction waits for
    the one before it, since each names the manifest version the previous one creates.
    """

    def __init__(self, drive: Drive, folder: Folder, options: TransferOptions) -> None:
        self.drive, self.folder, self.options = drive, folder, options
        self.change, self.bytes, self.files = Change(), 0, 0
        self.in_flight: asyncio.Task[object] | None = None

    def seal_until_full(self, queue: list[Queued]) -> tuple[list[tuple[str, int]], Failed]:
        """Seal files from the front of ``queue`` into this batch until it is full (run in a
        worker thread: libsodium and file reads release the GIL). Returns (name, size) of each
        file taken, in order (size FAILED or UNCHANGED for one not sealed), and (local path,
        error) of each that could not be read; all leave the queue."""
        taken: list[tuple[str, int]] = []
        failed: Failed = []
        for path, name, link in queue:
            if self.full():
                break
            existing = self.folder.child(name)
            if existing is not None and existing.is_folder:
                raise ConflictError(f"a folder is in the way: {name}")
            try:
                if unchanged_remote(self.folder, existing, path, link, self.options):
                    taken.append((name, UNCHANGED))
                    continue
                seal = transfers.seal_link if link else transfers.seal_small
                sealed = seal(path, name, self.drive.rng)
                if self.options.thumbnails and not link:
                    sealed = thumbnails.with_thumbnail(sealed, path)
            except (OSError, SealboxError) as exc:
                failed.append((str(path), exc))
                taken.append((name, FAILED))
                continue
            assert sealed.inline is not None
            self.drive.add_file(
                self.change, self.folder, sealed.metadata, sealed.file_key,
                existing=existing, inline=sealed.inline,
            )  # fmt: skip
            self.bytes += len(sealed.inline.chunk) + len(sealed.metadata.thumbnail or b"")
            self.files += 1
            taken.append((name, sealed.metadata.size))
        return taken, failed

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


FAILED, UNCHANGED = -1, -2  # in place of a size: a file not sealed, and why


def unchanged_remote(
    folder: Folder, existing: Node | None, path: Path, link: bool, options: TransferOptions
) -> bool:
    """Whether the local file at ``path`` is the same as the remote file ``existing`` in
    ``folder`` (comparison.py), so ``put`` leaves it: no content sent, no version added."""
    if existing is None or existing.is_folder or not options.skip_unchanged:
        return False
    found = path.lstat() if link else path.stat()
    metadata = as_file_metadata(existing.metadata)
    if not options.checksum:
        return comparison.same_size_and_time(found, metadata)
    key = existing.record.open_file_key(folder.key)
    return comparison.same_content(path, found.st_size, metadata, key)


async def put(
    drive: Drive,
    sources: list[Path],
    remote: str,
    report: Reporter,
    links: Links = Links.SKIP,
    options: TransferOptions | None = None,
) -> None:
    """Upload files and folders, like ``cp -r SOURCES... REMOTE``; a rerun of an interrupted
    folder upload, or a second run of the same command, lands where the first run did
    (destinations.py). Files that cannot be read are
    reported and the rest goes on (SomeFailed at the end); sources named here are followed when
    they are symbolic links, links met inside folders follow ``links`` (local_tree.py). Files
    that are the same on both sides are left alone, and ``options`` (transfer_options.py) says
    how to compare and which files to take."""
    options = options or TransferOptions()
    drive.api.pace = options.bandwidth
    for source in sources:
        if not source.exists():
            raise NotFoundError(f"no such local file or folder: {source}")
    key = destinations.journal_key(
        "put", space_of(drive), [str(s.resolve()) for s in sources], remote
    )
    planned = destinations.remembered(drive.state, key, len(sources))
    # Folders the resolution verified, each used once: after the first source lands in one, its
    # listing is out of date.
    known: dict[str, Folder] = {}
    if planned is None:
        planned = await destinations.resolve_put(drive, sources, remote, known=known)
        if any(source.is_dir() for source in sources):
            destinations.remember(drive.state, key, planned)
    failures = report.failures()
    for source, destination in zip(sources, planned, strict=True):
        parts = split_path(destination)
        parent_path = join_path(parts[:-1])
        parent = known.pop(parent_path, None) or await drive.folder_at(parent_path)
        if source.is_dir():
            folder = await drive.ensure_folder(parent, parts[-1])
            await _put_tree(drive, source, folder, report, _Policy(links, failures, options))
        else:
            files = [(source, parts[-1], False)]
            await _put_files(drive, parent, files, report, _Policy(links, failures, options))
    failures.raise_if_any()


def space_of(reader: TreeReader) -> str:
    """The account, and the share for a shared folder: the space a remote path names."""
    share_id = getattr(reader.api, "share_id", None)
    return reader.scope + (f":share:{b64url(share_id)}" if share_id else "")


@dataclass(frozen=True)
class _Policy:
    links: Links
    failures: Failures
    options: TransferOptions


async def _put_tree(
    drive: Drive, local: Path, folder: Folder, report: Reporter, policy: _Policy
) -> None:
    """Upload a local folder into ``folder``, a local folder at a time from an explicit stack."""
    stack = [(local, folder, frozenset({local_tree.identity(local)}))]
    selection = policy.options.selection
    while stack:
        path, remote, above = stack.pop()
        listing = local_tree.list_folder(path, policy.links, policy.failures, above)
        if listing is None:
            continue
        if not selection.everything:
            local_tree.select(listing, local, selection)
        queued = [(p, n, False) for p, n in listing.files]
        queued += [(p, n, True) for p, n in listing.links]
        remote = await _put_files(drive, remote, sorted(queued, key=lambda q: q[1]), report, policy)
        for child_path, name in reversed(listing.folders):
            try:
                child = await drive.ensure_folder(remote, name)
            except ConflictError as exc:
                policy.failures.fail(str(child_path), exc)
                continue
            remote = await drive.reload(remote)
            below = above | {local_tree.identity(child_path)}
            stack.append((child_path, child, below))


async def _put_files(
    drive: Drive, folder: Folder, files: list[Queued], report: Reporter, policy: _Policy
) -> Folder:
    session, failures = drive.session, policy.failures
    scope = f"{session.server}:{session.username}"
    batch = _Batch(drive, folder, policy.options)
    queue: list[Queued] = []

    async def seal_queued() -> None:
        nonlocal queue
        while queue:
            taken, failed = await asyncio.to_thread(batch.seal_until_full, queue)
            for where, exc in failed:
                failures.fail(where, exc)
            for (path, _, _), (name, size) in zip(queue, taken, strict=False):
                if size == UNCHANGED:
                    report.unchanged(str(path))
                if size >= 0:
                    report.start_file(name, size)
                    report.advance(size)
                    report.finish_file(name)
            queue = queue[len(taken) :]
            if batch.full():
                await batch.send()

    async def upload_large(path: Path, name: str, size: int) -> None:
        existing = batch.folder.child(name)
        if existing is not None and existing.is_folder:
            raise ConflictError(f"a folder is in the way: {name}")
        if existing is not None and transfers.committed_earlier(
            session.state, scope, path, as_file_metadata(existing.metadata).content_id
        ):
            return  # a killed run committed it and did not get to forget its journal
        if await asyncio.to_thread(
            unchanged_remote, batch.folder, existing, path, False, policy.options
        ):
            report.unchanged(str(path))
            return
        report.start_file(name, size)
        sealed = await transfers.upload(
            drive.api, session.state, scope, path, name, progress=report.advance,
            rng=drive.rng, resumed=report.resumed,
        )  # fmt: skip
        if policy.options.thumbnails:
            sealed = await asyncio.to_thread(thumbnails.with_thumbnail, sealed, path)
        folder = await batch.flush()
        batch.folder = await _commit_uploaded(drive, folder, sealed)
        if sealed.journal_key:
            session.state.drop_journal(sealed.journal_key)
        report.finish_file(name)

    try:
        for path, name, link in files:
            try:
                size = path.lstat().st_size if link else path.stat().st_size
            except OSError as exc:
                failures.fail(str(path), exc)
                continue
            if link or size <= transfers.INLINE_MAX:
                queue.append((path, name, link))
                if len(queue) >= SEAL_GROUP:
                    await seal_queued()
                continue
            await seal_queued()
            try:
                await upload_large(path, name, size)
            except OSError as exc:
                failures.fail(str(path), exc)
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


async def get(
    drive: Drive,
    sources: list[str],
    local: Path,
    report: Reporter,
    top_name: str = "root",
    options: TransferOptions | None = None,
) -> None:
    """Download files and folders, like ``cp -r SOURCES... LOCAL``; a rerun of an interrupted
    folder download, or a second run of the same command, lands where the first run did
    (destinations.py). Items that fail are
    reported and the rest goes on (SomeFailed at the end); items the server withholds are
    reported once everything else is down (WithheldError). The top of the drive (a source of
    ``/``) lands as ``top_name``. ``options`` (transfer_options.py) say what to do about local
    files already there and which files to take."""
    options = options or TransferOptions()
    drive.api.pace = options.bandwidth
    found = [await drive.walk(source) for source in sources]
    key = destinations.journal_key("get", space_of(drive), sources, str(local.absolute()))
    planned = destinations.remembered(drive.state, key, len(sources))
    if planned is None:
        planned = destinations.resolve_get([node for _, node in found], local, top_name)
        if any(node is None or node.is_folder for _, node in found):
            destinations.remember(drive.state, key, planned)
    withheld: Withheld = []
    run = _Run(report, report.failures(), options)
    for (chain, node), target in zip(found, planned, strict=True):
        if node is None:
            await _get_tree(drive, chain[0], Path(target), withheld, run)
        elif node.is_folder:
            folder = await drive.open_folder(chain[-1], node)
            await _get_tree(drive, folder, Path(target), withheld, run)
        else:
            orphans.sweep(Path(target).parent)  # partial files of a get that was killed
            await _get_file(drive, chain[-1], node, Path(target), run)
    if withheld:
        raise WithheldError(withheld, WithheldError.READING)
    run.failures.raise_if_any()


@dataclass(frozen=True)
class _Run:
    """One get: where it reports, what failed, and its options."""

    report: Reporter
    failures: Failures
    options: TransferOptions


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
    async for piece in stream_content(reader, key, as_file_metadata(node.metadata)):
        yield piece


async def stream_content(
    reader: TreeReader, key: FileKey, metadata: FileMetadata
) -> AsyncIterator[bytes]:
    """A file's plaintext from its key and verified metadata, as ``stream_file`` gives it."""
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
        reader.api, reader.state, reader.scope, key, metadata, dest, progress=report.advance,
        resumed=report.resumed,
    )  # fmt: skip
    report.finish_file(metadata.name)


async def _get_file(drive: TreeReader, parent: Folder, node: Node, dest: Path, run: _Run) -> None:
    metadata = as_file_metadata(node.metadata)
    key = node.record.open_file_key(parent.key)
    if await _leave_alone(key, metadata, dest, run):
        return
    await get_file(drive, key, metadata, dest, run.report)


async def _leave_alone(key: FileKey, metadata: FileMetadata, dest: Path, run: _Run) -> bool:
    """Whether a local file at ``dest`` stays as it is (comparison.py), each reported; makes the
    backup ``--backup`` asks for."""
    outcome = await asyncio.to_thread(comparison.before_writing, dest, metadata, key, run.options)
    return not _writes(run, dest, outcome)


def _writes(run: _Run, dest: Path, outcome: comparison.Outcome) -> bool:
    """Whether a get writes ``dest``; a file left alone is reported."""
    if outcome is comparison.Outcome.UNCHANGED:
        run.report.unchanged(str(dest))
    elif outcome is comparison.Outcome.KEPT:
        run.failures.skip(str(dest), "a different file is there (--no-clobber)")
    return outcome in (comparison.Outcome.WRITE, comparison.Outcome.BACKUP)


async def get_tree(drive: TreeReader, folder: Folder, dest: Path, report: Reporter) -> None:
    """Download a verified folder and everything below it into ``dest``; items the server
    withholds are reported once everything else is down (WithheldError), items that fail are
    reported as they fail, and the rest goes on (SomeFailed)."""
    withheld: Withheld = []
    run = _Run(report, report.failures(), TransferOptions())
    await _get_tree(drive, folder, dest, withheld, run)
    if withheld:
        raise WithheldError(withheld, WithheldError.READING)
    run.failures.raise_if_any()


async def _get_tree(
    drive: TreeReader, top: Folder, dest: Path, withheld: Withheld, run: _Run
) -> None:
    """Every folder below ``top``, one at a time, parents first (walks.py: no recursion, no
    cycle, bounded depth); paths in ``withheld`` and ``failures`` are the remote ones. A folder
    or file that fails is reported and left out; the rest goes on."""
    base = top.path.rstrip("/")
    me = drive.session.user_id if isinstance(drive, Drive) else None
    report, failures, selection = run.report, run.failures, run.options.selection
    places: dict[bytes, Path] = {}  # where each folder met so far goes, by folder id
    async for path, folder in walks.folders_below(drive, top, base, withheld, failures.fail):
        local = places.pop(folder.folder_id, dest)
        if not selection.enters_path(path[len(base) :]):
            continue  # excluded, or below an excluded folder: nothing of it is written
        names = _local_names(folder, me, path, local, report)
        places.update((n.node_id, local / names[n.node_id]) for n in folder.children if n.is_folder)
        try:
            make_local_folder(local)
        except (OSError, SealboxError) as exc:
            failures.fail(path or "/", exc)
            continue
        orphans.sweep(local)  # partial files of an earlier get that was killed
        where = _Where(local, path, path[len(base) :].strip("/"))
        await _get_folder_files(drive, folder, where, run, names)


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


@dataclass(frozen=True)
class _Where:
    """A folder of a get: where it goes, its remote path, its path below the top of the get."""

    local: Path
    remote: str
    relative: str


async def _get_folder_files(
    drive: TreeReader, folder: Folder, where: _Where, run: _Run, names: dict[bytes, str]
) -> None:
    failures, selection = run.failures, run.options.selection
    small, large = [], []
    for node in folder.children:
        if node.is_folder or not selection.takes_file(f"{where.relative}/{node.name}".lstrip("/")):
            continue
        if node.size > transfers.INLINE_MAX:
            large.append(node)
            continue
        try:
            key = node.record.open_file_key(folder.key)
        except IntegrityError as exc:
            failures.fail(f"{where.remote}/{folder.label(node)}", exc)
            continue
        small.append(
            SmallFile(key, as_file_metadata(node.metadata), where.local / names[node.node_id])
        )
    # Small files are latency-bound: many go in one request where the API allows it, several
    # requests at once; large ones already keep several chunk requests in flight each.
    report = run.report
    hooks = Hooks(report.start_file, report.advance, report.finish_file)

    def failed(item: SmallFile, exc: BaseException) -> None:
        failures.fail(f"{where.remote}/{item.metadata.name}", exc)

    small = await _to_write(small, run)
    if drive.api.batches_contents:
        await download_small(drive.api, small, hooks, failed)
    else:
        await download_each(drive.api, small, hooks, failed)
    for node in sorted(large, key=lambda n: n.name):
        try:
            await _get_file(drive, folder, node, where.local / names[node.node_id], run)
        except (IntegrityError, OSError) as exc:
            failures.fail(f"{where.remote}/{folder.label(node)}", exc)


async def _to_write(small: list[SmallFile], run: _Run) -> list[SmallFile]:
    """The small files a get writes: those whose local file is not left alone (_leave_alone),
    decided in one worker thread for the folder."""
    options = run.options
    if not (options.skip_unchanged or options.no_clobber or options.backup is not None):
        return small

    def decide() -> list[comparison.Outcome]:
        return [comparison.before_writing(s.dest, s.metadata, s.key, options) for s in small]

    outcomes = await asyncio.to_thread(decide)
    return [s for s, outcome in zip(small, outcomes, strict=True) if _writes(run, s.dest, outcome)]
