# SPDX-License-Identifier: AGPL-3.0-or-later
"""Making many written files durable at once, for the server's blob store and the client's
downloads alike (it imports nothing of Sealbox's, so both sides may use it).

One ``fsync`` per small file costs more than writing it; ``syncfs`` makes everything written on
a filesystem durable with one call. The C library exposes it on Linux only; elsewhere ``sync``
does the same for every filesystem.
"""

import functools
import os
from collections.abc import Callable
from pathlib import Path


@functools.cache
def _load_syncfs() -> Callable[[int], int] | None:
    # ctypes is loaded on the first sync, not on import: it costs every command that never
    # syncs a filesystem about 15 ms of start-up.
    import ctypes

    try:
        syncfs: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return syncfs


def sync_filesystem(directory: Path) -> None:
    """Make everything written so far on ``directory``'s filesystem durable, new directory
    entries included."""
    syncfs = _load_syncfs()
    if syncfs is None:
        os.sync()
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            import ctypes

            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """Make ``directory``'s entries (a file renamed or created in it) durable: one ``fsync`` of
    the directory itself."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
