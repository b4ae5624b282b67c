# SPDX-License-Identifier: AGPL-3.0-or-later
"""The drive as a FUSE filesystem (pyfuse3), over the blocking access handle.

pyfuse3 runs the operations on a trio loop; each call into the drive runs in a worker thread,
so a slow server never stalls other operations. Reads decrypt on demand, a chunk at a time
(``RemoteReader`` keeps at most two 4 MiB chunks per open file, in memory only). Writes go to a
private local staging file and upload when the file is flushed (closed); a file changed on the
drive since it was opened is uploaded beside it as a conflicted copy, never over it. Errors
become errno values: anything that does not verify is EIO, logged with its reason.

An item the operator removed after a published decision (spec/compliance.md §3.4) is not
listed, and the log says so once per folder and decision. A name this mount listed before and a
decision then removed answers EACCES ("Permission denied"), logged with the decision, its reason
and how to appeal: not EIO, which means a fault or tampering, nor ENOENT, which would say it
never was. A name never listed here answers ENOENT even in a folder with removed items (their
names went with them), so that creating a file there works as anywhere else.
"""

from __future__ import annotations

import errno
import logging
import os
import posixpath
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyfuse3
import trio

from sealbox.client.access import DriveHandle, Entry, Removed
from sealbox.client.access.reader import RemoteReader
from sealbox.client.mount.inodes import Inodes

T = TypeVar("T")
log = logging.getLogger("sealbox.mount")
BLOCK = 512
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR


@dataclass
class OpenFile:
    """What a file handle stands for: a verified reader, or a staging file being written."""

    path: str
    reader: RemoteReader | None = None
    staging: Path | None = None
    fd: int = -1
    etag: str | None = None  # the node's version when opened, for conflict detection
    dirty: bool = False
    lock: trio.Lock = field(default_factory=trio.Lock)


class SealboxFS(pyfuse3.Operations):
    enable_writeback_cache = False

    def __init__(self, handle: DriveHandle, root: str, ttl: float, read_only: bool) -> None:
        super().__init__()
        self.handle, self.root, self.ttl, self.read_only = handle, root.rstrip("/"), ttl, read_only
        self.inodes = Inodes()
        self.files: dict[int, OpenFile] = {}
        self._next_fh = 1
        self.uid, self.gid = os.getuid(), os.getgid()

    # Plumbing ---------------------------------------------------------------------------------

    def drive_path(self, path: str) -> str:
        return (self.root + path) if path != "/" else (self.root or "/")

    async def call(self, work: Callable[..., T], *args: Any) -> T:
        """Run a blocking drive call in a worker thread; OS errors become FUSE errors."""
        try:
            return await trio.to_thread.run_sync(work, *args)
        except pyfuse3.FUSEError:
            raise
        except Removed as exc:
            if not exc.certain:
                raise pyfuse3.FUSEError(errno.ENOENT) from exc
            log.warning("%s: permission denied: %s", exc.filename, exc.words)
            raise pyfuse3.FUSEError(errno.EACCES) from exc
        except OSError as exc:
            code = exc.errno or errno.EIO
            if code == errno.EIO:
                log.error("input/output error: %s", exc.strerror or exc)
            raise pyfuse3.FUSEError(code) from exc

    def attributes(self, inode: int, entry: Entry | None, size: int | None = None) -> Any:
        attrs = pyfuse3.EntryAttributes()
        folder = entry is None or entry.is_folder
        mode = 0o555 if self.read_only else 0o755
        attrs.st_mode = (stat.S_IFDIR | mode) if folder else (stat.S_IFREG | (mode & 0o666))
        attrs.st_size = size if size is not None else (entry.size if entry else 0)
        stamp = int((entry.mtime if entry else time.time()) * 1e9)
        attrs.st_atime_ns = attrs.st_mtime_ns = attrs.st_ctime_ns = stamp
        attrs.st_uid, attrs.st_gid, attrs.st_ino = self.uid, self.gid, inode
        attrs.st_nlink = 2 if folder else 1
        attrs.st_blksize = 128 * 1024
        attrs.st_blocks = (attrs.st_size + BLOCK - 1) // BLOCK
        attrs.entry_timeout = attrs.attr_timeout = self.ttl
        return attrs

    async def stat_path(self, path: str) -> Any:
        inode = self.inodes.number(path)
        pending = self._pending_size(path)
        if pending is not None:
            return self.attributes(inode, Entry(path, "", False, pending, time.time(), "", ""))
        entry = await self.call(self.handle.stat, self.drive_path(path))
        return self.attributes(inode, entry)

    def _pending_size(self, path: str) -> int | None:
        """A file being written here, not uploaded yet: its local size."""
        for opened in self.files.values():
            if opened.path == path and opened.fd >= 0:
                return os.fstat(opened.fd).st_size
        return None

    def new_handle(self, opened: OpenFile) -> int:
        fh = self._next_fh
        self._next_fh += 1
        self.files[fh] = opened
        return fh

    def refuse_if_read_only(self) -> None:
        if self.read_only:
            raise pyfuse3.FUSEError(errno.EROFS)

    # Looking -----------------------------------------------------------------------------------

    async def lookup(self, parent_inode: int, name: bytes, ctx: Any = None) -> Any:
        return await self.stat_path(self.inodes.child(parent_inode, name))

    async def getattr(self, inode: int, ctx: Any = None) -> Any:
        return await self.stat_path(self.inodes.path(inode))

    async def setattr(self, inode: int, attr: Any, fields: Any, fh: int | None, ctx: Any) -> Any:
        path = self.inodes.path(inode)
        if fields.update_size:
            opened = self.files.get(fh) if fh is not None else None
            opened = opened or next((o for o in self.files.values() if o.path == path), None)
            if opened is None or opened.fd < 0:
                if attr.st_size != 0:
                    raise pyfuse3.FUSEError(errno.EOPNOTSUPP)
                opened = await self._open_for_write(path, truncate=True)
                self.new_handle(opened)
            os.ftruncate(opened.fd, attr.st_size)
            opened.dirty = True
        # Modes, owners and times are not kept by the drive; the call succeeds without them.
        return await self.stat_path(path)

    async def opendir(self, inode: int, ctx: Any) -> int:
        return inode

    async def readdir(self, inode: int, start_id: int, token: Any) -> None:
        path = self.inodes.path(inode)
        entries = await self.call(self.handle.listdir, self.drive_path(path))
        base = path.rstrip("/")
        for index, entry in enumerate(entries[start_id:], start_id):
            child = f"{base}/{entry.name}"
            attrs = self.attributes(self.inodes.number(child), entry)
            name = entry.name.encode("utf-8", "surrogateescape")
            if not pyfuse3.readdir_reply(token, name, attrs, index + 1):
                break

    async def statfs(self, ctx: Any) -> Any:
        view = await self.call(lambda: self.handle.submit(self.handle.drive.api.account()).result())
        out = pyfuse3.StatvfsData()
        out.f_bsize = out.f_frsize = BLOCK
        quota = view.quota_bytes if view.quota_bytes is not None else 1 << 50
        out.f_blocks = quota // BLOCK
        out.f_bfree = out.f_bavail = max(0, quota - view.used_bytes) // BLOCK
        out.f_files, out.f_ffree, out.f_favail = 1 << 32, 1 << 31, 1 << 31
        out.f_namemax = 255
        return out

    # Reading -----------------------------------------------------------------------------------

    async def open(self, inode: int, flags: int, ctx: Any) -> Any:
        path = self.inodes.path(inode)
        if flags & WRITE_FLAGS:
            self.refuse_if_read_only()
            opened = await self._open_for_write(path, truncate=bool(flags & os.O_TRUNC))
        else:
            reader = await self.call(self.handle.open_read, self.drive_path(path))
            opened = OpenFile(path, reader=reader)
        return pyfuse3.FileInfo(fh=self.new_handle(opened), keep_cache=False)

    async def read(self, fh: int, offset: int, size: int) -> bytes:
        opened = self.files[fh]
        async with opened.lock:
            if opened.fd >= 0:
                return os.pread(opened.fd, size, offset)
            reader = opened.reader
            if reader is None:
                raise pyfuse3.FUSEError(errno.EBADF)
            return await self.call(_read_at, reader, offset, size)

    # Writing -----------------------------------------------------------------------------------

    async def _open_for_write(self, path: str, truncate: bool) -> OpenFile:
        """A private staging file for ``path``, holding the file's current bytes unless the
        caller truncates it."""
        folder = Path(tempfile.mkdtemp(prefix="sealbox-mount-"))
        staging = folder / "staging"
        fd = os.open(staging, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        opened = OpenFile(path, staging=staging, fd=fd)
        try:
            entry = await self.call(self.handle.find, self.drive_path(path))
        except pyfuse3.FUSEError:
            _drop(opened)
            raise
        if entry is None:  # a new file (a name a decision removed is free for one too)
            return opened
        opened.etag = entry.etag
        if entry.is_folder:
            _drop(opened)
            raise pyfuse3.FUSEError(errno.EISDIR)
        if not truncate and entry.size:
            await self.call(_copy_into, self.handle, self.drive_path(path), fd)
        return opened

    async def create(self, parent_inode: int, name: bytes, mode: int, flags: int, ctx: Any) -> Any:
        self.refuse_if_read_only()
        path = self.inodes.child(parent_inode, name)
        opened = await self._open_for_write(path, truncate=True)
        opened.dirty = True  # an empty new file is a file too
        fh = self.new_handle(opened)
        return pyfuse3.FileInfo(fh=fh), await self.stat_path(path)

    async def write(self, fh: int, offset: int, data: bytes) -> int:
        opened = self.files[fh]
        if opened.fd < 0:
            raise pyfuse3.FUSEError(errno.EBADF)
        opened.dirty = True
        return os.pwrite(opened.fd, data, offset)

    async def flush(self, fh: int) -> None:
        """Upload what was written (close calls this, so an error reaches the writer)."""
        opened = self.files.get(fh)
        if opened is None or not opened.dirty:
            return
        async with opened.lock:
            await self._upload(opened)
            opened.dirty = False

    async def _upload(self, opened: OpenFile) -> None:
        assert opened.staging is not None
        target = opened.path
        current = await self._current_etag(target)
        if current is not None and current != opened.etag:
            stem, suffix = posixpath.splitext(posixpath.basename(target))
            stamp = time.strftime("%Y-%m-%d %H%M%S")
            target = posixpath.join(
                posixpath.dirname(target), f"{stem} (conflicted copy {stamp}){suffix}"
            )
            log.warning("%s changed on the drive while open here: saved as %s", opened.path, target)
        named = opened.staging.with_name(posixpath.basename(target))
        os.link(opened.staging, named)
        try:
            await self.call(self.handle.upload, named, self.drive_path(target))
        finally:
            named.unlink(missing_ok=True)
        opened.etag = await self._current_etag(target)

    async def _current_etag(self, path: str) -> str | None:
        self.handle.listings.forget(self.drive_path(path))
        entry = await self.call(self.handle.find, self.drive_path(path))
        return None if entry is None else entry.etag

    async def release(self, fh: int) -> None:
        opened = self.files.pop(fh, None)
        if opened is None:
            return
        try:
            if opened.dirty:  # not flushed (a failed flush): one more try, then give up loudly
                try:
                    await self._upload(opened)
                except pyfuse3.FUSEError:
                    log.error("%s: the last changes could not be uploaded", opened.path)
        finally:
            if opened.reader is not None:
                await trio.to_thread.run_sync(opened.reader.close)
            _drop(opened)

    async def fsync(self, fh: int, datasync: bool) -> None:
        await self.flush(fh)

    # Changing the tree ---------------------------------------------------------------------------

    async def mkdir(self, parent_inode: int, name: bytes, mode: int, ctx: Any) -> Any:
        self.refuse_if_read_only()
        path = self.inodes.child(parent_inode, name)
        await self.call(self.handle.mkdir, self.drive_path(path))
        return await self.stat_path(path)

    async def unlink(self, parent_inode: int, name: bytes, ctx: Any) -> None:
        self.refuse_if_read_only()
        path = self.inodes.child(parent_inode, name)
        entry = await self.call(self.handle.stat, self.drive_path(path))
        if entry.is_folder:
            raise pyfuse3.FUSEError(errno.EISDIR)
        await self.call(self.handle.delete, self.drive_path(path))
        self.inodes.removed(path)

    async def rmdir(self, parent_inode: int, name: bytes, ctx: Any) -> None:
        self.refuse_if_read_only()
        path = self.inodes.child(parent_inode, name)
        children = await self.call(self.handle.listdir, self.drive_path(path))
        if children:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        await self.call(self.handle.delete, self.drive_path(path))
        self.inodes.removed(path)

    async def rename(
        self, parent_old: int, name_old: bytes, parent_new: int, name_new: bytes, flags: int,
        ctx: Any,
    ) -> None:  # fmt: skip
        self.refuse_if_read_only()
        old = self.inodes.child(parent_old, name_old)
        new = self.inodes.child(parent_new, name_new)
        if flags & pyfuse3.RENAME_EXCHANGE:
            raise pyfuse3.FUSEError(errno.EINVAL)
        if await self.call(self.handle.exists, self.drive_path(new)):
            if flags & pyfuse3.RENAME_NOREPLACE:
                raise pyfuse3.FUSEError(errno.EEXIST)
            await self._replace(old, new)
        await self.call(self.handle.move, self.drive_path(old), self.drive_path(new))
        self.inodes.moved(old, new)

    async def _replace(self, old: str, new: str) -> None:
        """rename(2) over an existing name: a file replaces a file, a folder an empty folder."""
        source = await self.call(self.handle.stat, self.drive_path(old))
        target = await self.call(self.handle.stat, self.drive_path(new))
        if target.is_folder and not source.is_folder:
            raise pyfuse3.FUSEError(errno.EISDIR)
        if source.is_folder and not target.is_folder:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        if target.is_folder:
            children = await self.call(self.handle.listdir, self.drive_path(new))
            if children:
                raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        await self.call(self.handle.delete, self.drive_path(new))


def _conflicted_copy(path: str) -> str:
    stem, suffix = posixpath.splitext(posixpath.basename(path))
    name = f"{stem} (conflicted copy {time.strftime('%Y-%m-%d %H%M%S')}){suffix}"
    return posixpath.join(posixpath.dirname(path), name)


def _read_at(reader: RemoteReader, offset: int, size: int) -> bytes:
    reader.seek(offset)
    return reader.read(size)


def _copy_into(handle: DriveHandle, path: str, fd: int) -> None:
    with handle.open_read(path) as reader, os.fdopen(os.dup(fd), "wb") as out:
        shutil.copyfileobj(reader, out, 4 * 1024 * 1024)


def _drop(opened: OpenFile) -> None:
    if opened.fd >= 0:
        os.close(opened.fd)
        opened.fd = -1
    if opened.staging is not None:
        shutil.rmtree(opened.staging.parent, ignore_errors=True)
        opened.staging = None
