# SPDX-License-Identifier: AGPL-3.0-or-later
"""Inode numbers for drive paths: FUSE names files by number, the drive by path.

A number is given to a path the first time the kernel looks it up and kept while the mount
lives (numbers are never reused, so a stale number can only miss). A rename moves the numbers of
the renamed path and everything below it.
"""

from __future__ import annotations

import pyfuse3

ROOT = pyfuse3.ROOT_INODE


class Inodes:
    def __init__(self) -> None:
        self._paths: dict[int, str] = {ROOT: "/"}
        self._numbers: dict[str, int] = {"/": ROOT}
        self._next = ROOT + 1

    def path(self, inode: int) -> str:
        try:
            return self._paths[inode]
        except KeyError:
            raise pyfuse3.FUSEError(2) from None  # ENOENT: forgotten or never known

    def number(self, path: str) -> int:
        found = self._numbers.get(path)
        if found is None:
            found = self._next
            self._next += 1
            self._numbers[path] = found
            self._paths[found] = path
        return found

    def child(self, parent: int, name: bytes) -> str:
        base = self.path(parent)
        text = name.decode("utf-8", "surrogateescape")
        return f"{base.rstrip('/')}/{text}"

    def moved(self, old: str, new: str) -> None:
        """``old`` (and everything below it) is now at ``new``."""
        self.removed(new)
        below = old.rstrip("/") + "/"
        for path, number in list(self._numbers.items()):
            if path == old or path.startswith(below):
                target = new + path[len(old) :]
                del self._numbers[path]
                self._numbers[target] = number
                self._paths[number] = target

    def removed(self, path: str) -> None:
        number = self._numbers.pop(path, None)
        if number is not None:
            self._paths.pop(number, None)
