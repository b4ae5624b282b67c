# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing a file of the drive: the bytes go to a private local staging file, and closing it
uploads that file through the normal path (small files sealed whole, large ones through the
resumable chunked upload), so a writer never holds a whole file in memory and a half-written
file never reaches the drive."""

from __future__ import annotations

import io
import os
import posixpath
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


class StagingWriter(io.RawIOBase):
    """A write-only file; ``close`` uploads what was written (``upload(staging_path)``), and
    raises if that fails. ``discard`` drops it instead."""

    def __init__(self, upload: Callable[[Path], None], path: str) -> None:
        super().__init__()
        self._upload, self.path = upload, path
        # A private folder (mode 0700) holding the file under its drive name (mode 0600): the
        # upload then goes straight into the parent folder, and the plaintext stays private.
        self._folder = Path(tempfile.mkdtemp(prefix="sealbox-staging-"))
        name = posixpath.basename(path)
        try:
            fd = os.open(self._folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._staging = self._folder / name
        except OSError:  # a name this system cannot hold (too long): any name will do
            fd, other = tempfile.mkstemp(dir=self._folder)
            self._staging = Path(other)
        self._file = os.fdopen(fd, "wb")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._file.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self._file.write(line)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._file.close()
            self._upload(self._staging)
        finally:
            self._remove()
            super().close()

    def discard(self) -> None:
        """Drop what was written; nothing is uploaded."""
        if self.closed:
            return
        self._file.close()
        self._remove()
        super().close()

    def _remove(self) -> None:
        self._staging.unlink(missing_ok=True)
        self._folder.rmdir()
