# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox://``: the drive as an fsspec filesystem, so pandas, pyarrow, dask and the rest of
the Python data world read and write it (docs/access.md).

``pandas.read_csv("sealbox:///data/x.csv")`` uses the account logged in on this device
(``sealbox login``); ``SealboxFileSystem(handle=...)`` takes any ``DriveHandle``. Reads fetch and
verify only the chunks they touch; writes stage locally and upload on close. Anything the server
returns that does not verify raises ``Tampered`` (an ``OSError``, EIO), never wrong bytes. An
item the operator removed after a published decision is not listed; reading it (or a name that
may be it) raises ``Removed``, a ``PermissionError`` (EACCES) whose message names the decision,
its reason code and how to appeal (spec/compliance.md §3.4); ``exists`` is False for it.
"""

from __future__ import annotations

import atexit
import errno
import posixpath
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fsspec.spec import AbstractFileSystem

from sealbox.client.access import DriveHandle, Entry, stored_login

PROTOCOL = "sealbox"


class SealboxFileSystem(AbstractFileSystem):  # type: ignore[misc]
    protocol = PROTOCOL
    root_marker = "/"

    def __init__(
        self,
        handle: DriveHandle | None = None,
        home: str | None = None,
        server: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if handle is None:
            handle = DriveHandle(stored_login(Path(home).expanduser() if home else None, server))
            atexit.register(handle.close)  # its connections close before the interpreter goes
        self.handle = handle

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = str(path)
        if text.startswith(f"{PROTOCOL}://"):
            text = text[len(PROTOCOL) + 3 :]
        text = "/" + text.strip("/")
        return posixpath.normpath(text) if text != "/" else text

    def unstrip_protocol(self, name: str) -> str:
        return f"{PROTOCOL}://{self._strip_protocol(name)}"

    # Reading ----------------------------------------------------------------------------------

    def _details(self, entry: Entry) -> dict[str, Any]:
        return {
            "name": entry.path,
            "size": entry.size,
            "type": "directory" if entry.is_folder else "file",
            "mtime": entry.mtime,
            "mime": entry.mime,
            "etag": entry.etag,
        }

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return self._details(self.handle.stat(self._strip_protocol(path)))

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        path = self._strip_protocol(path)
        entry = self.handle.stat(path)
        entries = self.handle.listdir(path) if entry.is_folder else [entry]
        if detail:
            return [self._details(e) for e in entries]
        return [e.path for e in entries]

    def created(self, path: str) -> datetime:
        return self.modified(path)

    def modified(self, path: str) -> datetime:
        return datetime.fromtimestamp(self.handle.stat(self._strip_protocol(path)).mtime, UTC)

    def ukey(self, path: str) -> str:
        return self.handle.stat(self._strip_protocol(path)).etag

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        path = self._strip_protocol(path)
        if mode == "rb":
            return self.handle.open_read(path)
        if mode == "xb" and self.exists(path):
            raise FileExistsError(errno.EEXIST, "already exists", path)
        if mode in ("wb", "xb"):
            self._make_parent(path)
            return self.handle.open_write(path)
        raise ValueError(f"sealbox:// files open for reading or writing whole, not {mode!r}")

    def cat_file(
        self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any
    ) -> bytes:
        with self.handle.open_read(self._strip_protocol(path)) as reader:
            size = reader.size
            first = 0 if start is None else (start if start >= 0 else max(0, size + start))
            last = size if end is None else (end if end >= 0 else size + end)
            reader.seek(first)
            return reader.read(max(0, min(last, size) - first))

    # Changing ---------------------------------------------------------------------------------

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        path = self._strip_protocol(path)
        if mode == "create" and self.exists(path):
            raise FileExistsError(errno.EEXIST, "already exists", path)
        self._make_parent(path)
        with self.handle.open_write(path) as out:
            out.write(value)

    def put_file(self, lpath: str, rpath: str, mode: str = "overwrite", **kwargs: Any) -> None:
        rpath = self._strip_protocol(rpath)
        if mode == "create" and self.exists(rpath):
            raise FileExistsError(errno.EEXIST, "already exists", rpath)
        if Path(lpath).is_dir():
            self.makedirs(rpath, exist_ok=True)
            return
        self._make_parent(rpath)
        self.handle.upload(Path(lpath), rpath)

    def _make_parent(self, path: str) -> None:
        """Writing makes the folders above, as on object stores (fsspec's usual behaviour)."""
        self.makedirs(self._parent(path), exist_ok=True)

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        path = self._strip_protocol(path)
        if self.exists(path):
            raise FileExistsError(errno.EEXIST, "already exists", path)
        self.handle.mkdir(path, parents=create_parents)

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        path = self._strip_protocol(path)
        if self.exists(path):
            if not exist_ok or not self.isdir(path):
                raise FileExistsError(errno.EEXIST, "already exists", path)
            return
        self.handle.mkdir(path, parents=True)

    def rmdir(self, path: str) -> None:
        path = self._strip_protocol(path)
        if self.handle.listdir(path):
            raise OSError(errno.ENOTEMPTY, "the folder is not empty", path)
        self.handle.delete(path)

    def rm_file(self, path: str) -> None:
        self.handle.delete(self._strip_protocol(path))

    def rm(self, path: Any, recursive: bool = False, maxdepth: int | None = None) -> None:
        """Move to the trash: a folder goes whole (with ``recursive``), in one change."""
        for found in self.expand_path(path, recursive=False):
            if self.isdir(found) and not recursive and self.handle.listdir(found):
                raise IsADirectoryError(errno.EISDIR, "a folder: pass recursive=True", found)
            self.handle.delete(found)

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        """Copy one file (sharing its content: nothing is uploaded again), or make the folder
        ``path2`` when ``path1`` is one (``copy`` copies the members one by one)."""
        path1, path2 = self._strip_protocol(path1), self._strip_protocol(path2)
        if self.isdir(path1):
            self.makedirs(path2, exist_ok=True)
            return
        if self.exists(path2):
            if self.isdir(path2):
                raise IsADirectoryError(errno.EISDIR, "a folder is in the way", path2)
            self.handle.delete(path2)
        self._make_parent(path2)
        self.handle.copy(path1, path2)

    def mv(self, path1: Any, path2: Any, recursive: bool = False, maxdepth: int | None = None,
           **kwargs: Any) -> None:  # fmt: skip
        """Move one file or folder, like ``mv``: into ``path2`` when that is a folder."""
        if not (isinstance(path1, str) and isinstance(path2, str)) or self._has_magic(path1):
            super().mv(path1, path2, recursive=recursive, maxdepth=maxdepth, **kwargs)
            return
        path1, path2 = self._strip_protocol(path1), self._strip_protocol(path2)
        if path1 == path2:
            return
        if self.isdir(path2):
            path2 = posixpath.join(path2, posixpath.basename(path1))
        elif self.exists(path2) and not self.isdir(path1):
            self.handle.delete(path2)
        self.handle.move(path1, path2)

    @staticmethod
    def _has_magic(path: str) -> bool:
        return any(c in path for c in "*?[")
