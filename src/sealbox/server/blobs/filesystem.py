# SPDX-License-Identifier: AGPL-3.0-or-later
"""A blob store on a local filesystem.

Blobs live in sharded directories (two levels of 256 directories picked by a hash of the key) so no
directory grows past a few thousand entries. A put writes a temporary file in the same filesystem,
fsyncs it, renames it over the final name and fsyncs the directory, so a crash leaves either the old
blob or the new one, never a prefix. File I/O runs in worker threads so the event loop never blocks.
"""

import errno
import hashlib
import mmap
import os
import secrets
import time
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from urllib.parse import quote, unquote

from anyio import to_thread

from sealbox.durability import fsync_dir, sync_filesystem
from sealbox.server.blobs.base import (
    BlobInfo,
    BlobNotFound,
    BlobStoreError,
    StagedBlob,
    Staging,
)

# Reads of a blob being served: half a chunk (4 MiB and its 16-byte tag) per read, so a chunk
# costs two worker-thread hops and two sends (four of each with 1 MiB reads), and a download
# holds at most a few MiB however slow its client.
READ_PIECE = 2 * 1024 * 1024 + 2048
# Incoming pieces are gathered up to this size before one write, to keep thread hops few: a
# chunk (4 MiB and its 16-byte tag) is two writes (five with 1 MiB), and 50 uploads at once hold
# about 100 MiB of buffers (docs/benchmarks.md, "Concurrent uploads": RSS under 300 MiB).
WRITE_BATCH = 2 * 1024 * 1024 + 4096
DIRECT_ALIGN = 4096  # offsets and lengths of O_DIRECT writes: a multiple of any block size
IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 16
# Temporary files are named after their writer's process id, so one whose process is gone is known
# to be abandoned; files older than this are abandoned whatever their name says.
STALE_TEMP_SECONDS = 24 * 3600


class FilesystemBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._blobs = root / "blobs"
        self._tmp = root / "tmp"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temp_files()
        self._buffers = AlignedBuffers()
        self.staging: Staging = self

    def _path(self, key: str) -> Path:
        if not key:
            raise ValueError("empty blob key")
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self._blobs / digest[:2] / digest[2:4] / quote(key, safe="")

    def _remove_stale_temp_files(self) -> None:
        cutoff = time.time() - STALE_TEMP_SECONDS
        for entry in self._tmp.iterdir():
            try:
                if entry.stat().st_mtime < cutoff or not _writer_alive(entry.name):
                    entry.unlink()
            except FileNotFoundError:
                continue

    async def put(self, key: str, data: AsyncIterable[bytes] | bytes) -> BlobInfo:
        final = self._path(key)
        fd, tmp, size = await self._write_temp(data)
        # _commit owns the descriptor from here on and cleans up after itself on failure.
        await to_thread.run_sync(_commit, fd, tmp, final)
        return BlobInfo(key=key, size=size)

    def _temp_path(self) -> Path:
        return self._tmp / f"{os.getpid()}-{secrets.token_hex(16)}.part"

    async def _write_temp(self, data: AsyncIterable[bytes] | bytes) -> tuple[int, Path, int]:
        """Write ``data`` to a new temporary file: its open descriptor, path and size. Nothing is
        synced; on failure the file is gone."""
        tmp = self._temp_path()
        if isinstance(data, bytes):
            fd = await to_thread.run_sync(_open_new, tmp)
            try:
                await to_thread.run_sync(_write_all, fd, data)
            except BaseException:
                await to_thread.run_sync(_abandon, fd, tmp)
                raise
            return fd, tmp, len(data)
        # Both descriptors in one worker-thread hop.
        fd, direct = await to_thread.run_sync(_open_new_pair, tmp)
        try:
            if direct is None:
                return fd, tmp, await _write_buffered(fd, data)
            try:
                return fd, tmp, await _write_direct(fd, direct, data, self._buffers)
            finally:
                os.close(direct)
        except BaseException:
            await to_thread.run_sync(_abandon, fd, tmp)
            raise

    # Staging (base.Staging): one durability barrier for a group of blobs.

    async def stage(self, key: str, data: AsyncIterable[bytes] | bytes) -> StagedBlob:
        fd, tmp, size = await self._write_temp(data)
        os.close(fd)
        return StagedBlob(key=key, size=size, pending=str(tmp))

    async def publish(self, staged: list[StagedBlob]) -> None:
        await to_thread.run_sync(self._publish, staged)

    def _publish(self, staged: list[StagedBlob]) -> None:
        """Two ``syncfs`` for the group: the temporary files' bytes are
        durable before any is renamed, and the renames are durable before this returns."""
        try:
            sync_filesystem(self._tmp)
            for blob in staged:
                final = self._path(blob.key)
                if not final.parent.is_dir():
                    final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(blob.pending, final)
        except BaseException:
            _unlink_all(staged)
            raise
        sync_filesystem(self._blobs)

    async def discard(self, staged: list[StagedBlob]) -> None:
        await to_thread.run_sync(_unlink_all, staged)

    async def get_many(self, keys: list[str]) -> list[bytes]:
        # One worker thread for the lot: for small blobs the hops to and from a thread cost more
        # than the reads.
        return await to_thread.run_sync(self._get_many, keys)

    def _get_many(self, keys: list[str]) -> list[bytes]:
        found = []
        for key in keys:
            try:
                found.append(self._path(key).read_bytes())
            except FileNotFoundError as exc:
                raise BlobNotFound(key) from exc
        return found

    async def get(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        # The open, the size check and the first read share one worker-thread hop, and every
        # read is a pread at its own offset (no seek): a 4 MiB chunk costs four hops, not six.
        path = self._path(key)
        try:
            fd, piece, stop = await to_thread.run_sync(_open_and_read, path, start, end)
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc
        try:
            offset = start
            while True:
                if len(piece) < min(READ_PIECE, stop - offset):
                    raise BlobStoreError(f"blob {key} shrank while being read")
                offset += len(piece)
                if piece:
                    yield piece
                if offset >= stop:
                    return
                piece = await to_thread.run_sync(
                    os.pread, fd, min(READ_PIECE, stop - offset), offset
                )
        finally:
            os.close(fd)

    async def stat(self, key: str) -> BlobInfo | None:
        try:
            st = await to_thread.run_sync(os.stat, self._path(key))
        except FileNotFoundError:
            return None
        return BlobInfo(key=key, size=st.st_size)

    async def delete(self, key: str) -> None:
        try:
            await to_thread.run_sync(os.unlink, self._path(key))
        except FileNotFoundError:
            return

    async def list(self, prefix: str = "") -> AsyncIterator[BlobInfo]:
        for shard in sorted(await to_thread.run_sync(_listdir, self._blobs)):
            for sub in sorted(await to_thread.run_sync(_listdir, self._blobs / shard)):
                directory = self._blobs / shard / sub
                for name in await to_thread.run_sync(_listdir, directory):
                    key = unquote(name)
                    if not key.startswith(prefix):
                        continue
                    try:
                        st = os.stat(directory / name)
                    except FileNotFoundError:
                        continue
                    yield BlobInfo(key=key, size=st.st_size)

    async def close(self) -> None:
        return None


def _writer_alive(name: str) -> bool:
    pid, _, _rest = name.partition("-")
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def _open_new(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def _open_new_pair(path: Path) -> tuple[int, int | None]:
    """A new file's buffered descriptor and, where the filesystem has it, a direct one."""
    fd = _open_new(path)
    return fd, _open_direct(path)


class AlignedBuffers:
    """Page-aligned gather buffers of WRITE_BATCH bytes for direct writes, reused: a fresh
    anonymous mapping per chunk costs a page fault and a zeroed page per 4 KiB, and an unmap,
    on every chunk received. At most ``keep`` idle buffers are kept: the memory an idle server
    holds after a burst of uploads (32 MiB), while up to 16 chunks arriving at once reuse them."""

    def __init__(self, keep: int = 16) -> None:
        self._idle: list[mmap.mmap] = []
        self._keep = keep

    def take(self) -> mmap.mmap:
        return self._idle.pop() if self._idle else mmap.mmap(-1, WRITE_BATCH)

    def give(self, buffer: mmap.mmap) -> None:
        # One past the limit is dropped, and unmapped once no view of it is left.
        if len(self._idle) < self._keep:
            self._idle.append(buffer)

    @property
    def idle(self) -> int:
        return len(self._idle)


def _open_and_read(path: Path, start: int, end: int | None) -> tuple[int, bytes, int]:
    """Open a blob for a read of ``[start, end)``: its descriptor, the first piece and where the
    read stops. A range outside the blob is refused before anything is read."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        stop = size if end is None else end
        if start < 0 or stop > size or start > stop:
            raise ValueError(f"range [{start}, {stop}) outside blob of {size} bytes")
        return fd, os.pread(fd, min(READ_PIECE, stop - start), start), stop
    except BaseException:
        os.close(fd)
        raise


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _open_direct(path: Path) -> int | None:
    """A second descriptor that bypasses the page cache, or None where the filesystem has none
    (tmpfs, some network filesystems)."""
    if not hasattr(os, "O_DIRECT"):
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_DIRECT)
    except OSError:
        return None


async def _write_direct(
    fd: int, direct: int, data: AsyncIterable[bytes], buffers: AlignedBuffers
) -> int:
    """Gather the stream into one page-aligned buffer and write each full buffer with O_DIRECT.

    Buffered writes cost this project's machine about 2 CPU seconds per GB in the kernel (the
    copy into the page cache and its reclaim), direct ones about 0.1; gathering costs one memory
    copy (docs/decisions/0801-direct-writes-for-bulk-data.md). The unaligned tail goes through
    ``fd`` and the page cache, and the caller's fsync makes everything durable as before.
    """
    mapping = buffers.take()  # anonymous memory is page-aligned
    buffer = memoryview(mapping)
    filled = offset = 0
    async for piece in data:
        view = memoryview(piece)
        while view:
            take = min(len(view), WRITE_BATCH - filled)
            buffer[filled : filled + take] = view[:take]
            filled += take
            view = view[take:]
            if filled == WRITE_BATCH:
                await to_thread.run_sync(_write_at, fd, direct, buffer, offset)
                offset += filled
                filled = 0
    if filled:
        await to_thread.run_sync(_write_at, fd, direct, buffer[:filled], offset)
        offset += filled
    # Given back only after a whole, successful write: no worker thread can still be writing
    # from it, as every hop above is waited for, even when the caller is cancelled (anyio's
    # run_sync). A failed write drops the buffer instead.
    buffers.give(mapping)
    return offset


async def _write_buffered(fd: int, data: AsyncIterable[bytes]) -> int:
    """Write the stream through the page cache, gathered into writes of about WRITE_BATCH."""
    pending: list[bytes] = []
    pending_len = size = 0
    async for piece in data:
        pending.append(piece)
        pending_len += len(piece)
        if pending_len >= WRITE_BATCH:
            await to_thread.run_sync(_write_pieces, fd, pending)
            size += pending_len
            pending, pending_len = [], 0
    if pending:
        await to_thread.run_sync(_write_pieces, fd, pending)
        size += pending_len
    return size


def _write_at(fd: int, direct: int, data: memoryview, offset: int) -> None:
    aligned = len(data) - len(data) % DIRECT_ALIGN
    if aligned:
        try:
            _pwrite_all(direct, data[:aligned], offset)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            # Accepted at open but refused on write: the page cache takes it instead.
            _pwrite_all(fd, data[:aligned], offset)
    if aligned < len(data):
        _pwrite_all(fd, data[aligned:], offset + aligned)


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    while data:
        written = os.pwrite(fd, data, offset)
        data, offset = data[written:], offset + written


def _write_pieces(fd: int, pieces: list[bytes]) -> None:
    """One gathered write for the pieces, so they are never joined into a copy first."""
    if len(pieces) > IOV_MAX:  # many tiny pieces (a slow or odd client): join them after all
        pieces = [b"".join(pieces)]
    written = os.writev(fd, pieces)
    total = sum(len(piece) for piece in pieces)
    if written == total:
        return
    # A short write (rare on regular files): finish piece by piece from where it stopped.
    for piece in pieces:
        if written >= len(piece):
            written -= len(piece)
            continue
        _write_all(fd, memoryview(piece)[written:])
        written = 0


def _commit(fd: int, tmp: Path, final: Path) -> None:
    try:
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
            fsync_dir(final.parent.parent)
            fsync_dir(final.parent.parent.parent)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(final.parent)


def _abandon(fd: int, tmp: Path) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _unlink_all(staged: list[StagedBlob]) -> None:
    for blob in staged:
        Path(blob.pending).unlink(missing_ok=True)
