# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partial files that a killed get left behind, and their removal by a later get.

A download writes each file to a hidden partial file beside its destination and renames it into
place once it is whole (transfers.py). A large download names its partial file in its journal, and
a rerun goes on filling it. A file written whole in one go (small files, a batch of them at a time,
synced together before the renames) has no journal: if the run is killed between creating such
files and renaming them, they stay. Their names carry the id of the process that made them
(``.sealbox-p<pid>-<random>.part``), so a later get can tell a dead run's partial files from those
of a get still running, and removes the former from each folder it writes into.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from stat import S_ISREG

__all__ = ["sweep", "tag"]

_ORPHAN = re.compile(r"\.sealbox-p([0-9]{1,10})-[0-9a-f]{16}\.part")


def tag() -> str:
    """What a partial file without a journal carries in its name: this process's id."""
    return f"p{os.getpid()}-"


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # a process of another user holds the id: it is running
    return True


def sweep(folder: Path) -> int:
    """Remove from ``folder`` the partial files of runs that are no longer running; returns how
    many. Only regular files of this user with a single link and a partial name made by
    ``tag`` are removed; a symlink, another user's file or a file with other links is left
    alone, and so is anything that changes while it is looked at. A process id reused by a
    running process keeps its partial files until a later sweep."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        found = _ORPHAN.fullmatch(entry.name)
        if found is None or _running(int(found.group(1))):
            continue
        with contextlib.suppress(OSError):
            stat = entry.stat(follow_symlinks=False)
            if S_ISREG(stat.st_mode) and stat.st_uid == os.geteuid() and stat.st_nlink == 1:
                os.unlink(entry.path)
                removed += 1
    return removed
