# SPDX-License-Identifier: AGPL-3.0-or-later
"""How a blob's bytes reach its file: gathered into page-aligned buffers and written with O_DIRECT
where the filesystem has it, through the page cache otherwise (docs/decisions/0801). The
filesystem store (``filesystem.py``) opens, syncs and renames; this module only writes."""

import errno
import mmap
import os
from collections.abc import AsyncIterable, Awaitable, Callable
from pathlib import Path

from anyio import to_thread

# Incoming pieces are gathered up to this size before one write, to keep thread hops few: a
# chunk (4 MiB and its 16-byte tag) is two writes (five with 1 MiB), and 50 uploads at once hold
# about 100 MiB of buffers (docs/benchmarks.md, "Concurrent uploads": RSS under 300 MiB).
WRITE_BATCH = 2 * 1024 * 1024 + 4096
DIRECT_ALIGN = 4096  # offsets and lengths of O_DIRECT writes: a multiple of any block size
IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 16


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


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def open_direct(path: Path) -> int | None:
    """A second descriptor that bypasses the page cache, or None where the filesystem has none
    (tmpfs, some network filesystems)."""
    if not hasattr(os, "O_DIRECT"):
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_DIRECT)
    except OSError:
        return None


class NewFile:
    """A new file that its first write creates, in that write's worker thread: creating it in a
    hop of its own cost every chunk one more trip to a thread and back (decision 2009). With
    ``direct``, a second descriptor with O_DIRECT is opened next to it where the filesystem
    allows. The methods that touch the disk run in worker threads; ``close_direct`` (a descriptor
    of a regular file) may run anywhere."""

    def __init__(self, path: Path, direct: bool) -> None:
        self.path = path
        self._want_direct = direct
        self.fd: int | None = None
        self._direct: int | None = None

    def create(self) -> int:
        """The file's descriptor, the file created if no write has created it yet."""
        if self.fd is None:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            if self._want_direct:
                self._direct = open_direct(self.path)
        return self.fd

    @property
    def is_direct(self) -> bool:
        """Whether the created file has its O_DIRECT descriptor."""
        return self._direct is not None

    def write_at(self, data: memoryview, offset: int) -> None:
        fd = self.create()
        if self._direct is None:
            _pwrite_all(fd, data, offset)
        else:
            _write_at(fd, self._direct, data, offset)

    def write_pieces(self, pieces: list[bytes]) -> None:
        _write_pieces(self.create(), pieces)

    def write_bytes(self, data: bytes) -> None:
        write_all(self.create(), data)

    def close_direct(self) -> None:
        if self._direct is not None:
            os.close(self._direct)
            self._direct = None

    def abandon(self) -> None:
        """Close what is open and remove the file, written or not."""
        for fd in (self._direct, self.fd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._direct = self.fd = None
        self.path.unlink(missing_ok=True)


async def write_direct(file: NewFile, data: AsyncIterable[bytes], buffers: AlignedBuffers) -> int:
    """Gather the stream into one page-aligned buffer and write each full buffer with O_DIRECT.
    A body that fills buffers itself (``readinto``, docs/decisions/2008) is asked to fill it.

    Buffered writes cost this project's machine about 2 CPU seconds per GB in the kernel (the
    copy into the page cache and its reclaim), direct ones about 0.1; gathering costs one memory
    copy (docs/decisions/0801-direct-writes-for-bulk-data.md). The unaligned tail goes through
    ``fd`` and the page cache, and the caller's fsync makes everything durable as before.
    """
    mapping = buffers.take()  # anonymous memory is page-aligned
    buffer = memoryview(mapping)
    fill = getattr(data, "readinto", None)
    if fill is not None:
        offset = await _fill_and_write(fill, buffer, file.write_at)
    else:
        offset = await _gather_and_write(data, buffer, file.write_at)
    # Given back only after a whole, successful write: no worker thread can still be writing
    # from it, as every hop above is waited for, even when the caller is cancelled (anyio's
    # run_sync). A failed write drops the buffer instead.
    buffers.give(mapping)
    return offset


async def _fill_and_write(
    fill: Callable[[memoryview], Awaitable[int]],
    buffer: memoryview,
    write_at: Callable[[memoryview, int], None],
) -> int:
    """The body fills the buffer itself (a socket read straight into it), then each full buffer
    is written at its offset in a worker thread: no copy in Python at all."""
    filled = offset = 0
    while True:
        received = await fill(buffer[filled:])
        filled += received
        if filled == len(buffer) or (received == 0 and filled):
            await to_thread.run_sync(write_at, buffer[:filled], offset)
            offset += filled
            filled = 0
        if received == 0:
            return offset


async def _gather_and_write(
    data: AsyncIterable[bytes], buffer: memoryview, write_at: Callable[[memoryview, int], None]
) -> int:
    """The stream's pieces gathered into the buffer (one copy), each full buffer written."""
    filled = offset = 0
    async for piece in data:
        view = memoryview(piece)
        while view:
            take = min(len(view), WRITE_BATCH - filled)
            buffer[filled : filled + take] = view[:take]
            filled += take
            view = view[take:]
            if filled == WRITE_BATCH:
                await to_thread.run_sync(write_at, buffer, offset)
                offset += filled
                filled = 0
    if filled:
        await to_thread.run_sync(write_at, buffer[:filled], offset)
        offset += filled
    return offset


async def write_buffered(file: NewFile, data: AsyncIterable[bytes]) -> int:
    """Write the stream through the page cache, gathered into writes of about WRITE_BATCH."""
    fill = getattr(data, "readinto", None)
    if fill is not None:
        buffer = memoryview(bytearray(WRITE_BATCH))
        return await _fill_and_write(fill, buffer, file.write_at)
    pending: list[bytes] = []
    pending_len = size = 0
    async for piece in data:
        pending.append(piece)
        pending_len += len(piece)
        if pending_len >= WRITE_BATCH:
            await to_thread.run_sync(file.write_pieces, pending)
            size += pending_len
            pending, pending_len = [], 0
    if pending:
        await to_thread.run_sync(file.write_pieces, pending)
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
        write_all(fd, memoryview(piece)[written:])
        written = 0
