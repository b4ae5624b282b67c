# SPDX-License-Identifier: AGPL-3.0-or-later
"""A blob store on a local filesystem.

Blobs live in sharded directories (two levels of 256 directories picked by a hash of the key) so no
directory grows past a few thousand entries. A put writes a temporary file in the same filesystem,
fsyncs it, renames it over the final name and fsyncs the directory, so a crash leaves either the old
blob or the new one, never a prefix. File I/O runs in worker threads so the event loop never blocks.
"""

import hashlib
import os
import secrets
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from urllib.parse import quote, unquote

from anyio import to_thread

from sealbox.durability import fsync_dir, sync_filesystem
from sealbox.server.blobs.base import (
    BlobInfo,
    BlobNotFound,
    BlobStoreError,
    FileSpan,
    FileSpans,
    StagedBlob,
    Staging,
    T,
)
from sealbox.server.blobs.blob_writes import (
    AlignedBuffers,
    NewFile,
    write_buffered,
    write_direct,
)

# Reads of a blob being served: half a chunk (4 MiB and its 16-byte tag) per read, so a chunk
# costs two worker-thread hops and two sends (four of each with 1 MiB reads), and a download
# holds at most a few MiB however slow its client.
READ_PIECE = 2 * 1024 * 1024 + 2048
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
        # Whether this filesystem takes O_DIRECT (tmpfs does not): then blobs are gathered into
        # aligned buffers and written around the page cache, else written through it.
        self._direct = _takes_direct(self._tmp)
        self.staging: Staging = self
        self.spans: FileSpans = self

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
        synced; on failure the file is gone. The first write creates the file, in its own worker
        thread (``NewFile``)."""
        file = NewFile(self._temp_path(), direct=self._direct)
        try:
            if isinstance(data, bytes):
                await to_thread.run_sync(file.write_bytes, data)
                size = len(data)
            elif self._direct:
                size = await write_direct(file, data, self._buffers)
            else:
                size = await write_buffered(file, data)
            fd = file.fd if file.fd is not None else await to_thread.run_sync(file.create)
        except BaseException:
            await to_thread.run_sync(file.abandon)
            raise
        file.close_direct()
        return fd, file.path, size

    # Staging (base.Staging): one durability barrier for a group of blobs.

    async def stage(self, key: str, data: AsyncIterable[bytes] | bytes) -> StagedBlob:
        fd, tmp, size = await self._write_temp(data)
        os.close(fd)
        return StagedBlob(key=key, size=size, pending=str(tmp))

    async def publish(self, staged: list[StagedBlob]) -> None:
        await to_thread.run_sync(self._publish, staged)

    async def publish_then(self, staged: list[StagedBlob], then: Callable[[], T]) -> T:
        def publish_and_continue() -> T:
            self._publish(staged)
            return then()

        return await to_thread.run_sync(publish_and_continue)

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

    async def open_span(self, key: str, start: int = 0, end: int | None = None) -> FileSpan:
        try:
            return await to_thread.run_sync(_open_span, self._path(key), start, end)
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

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


def _takes_direct(directory: Path) -> bool:
    """Whether files in ``directory`` open with O_DIRECT, tried once on a probe file."""
    probe = NewFile(directory / f"{os.getpid()}-direct-probe.part", direct=True)
    try:
        probe.create()
        return probe.is_direct
    finally:
        probe.abandon()


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


def _open_span(path: Path, start: int, end: int | None) -> FileSpan:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        stop = size if end is None else end
        if start < 0 or start > stop:
            raise ValueError(f"range [{start}, {stop}) outside blob of {size} bytes")
        if stop > size:
            raise BlobStoreError(
                f"blob {path.name} holds {size} bytes, fewer than the {stop} asked"
            )
        return FileSpan(fd, start, stop - start)
    except BaseException:
        os.close(fd)
        raise


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


def _unlink_all(staged: list[StagedBlob]) -> None:
    for blob in staged:
        Path(blob.pending).unlink(missing_ok=True)
