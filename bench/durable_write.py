# SPDX-License-Identifier: AGPL-3.0-or-later
"""How fast a file can be written durably, the way a download writes it (decision 2012).

    .venv/bin/python bench/durable_write.py [--size-mib 1024] [--runs 3] [--dir /var/tmp]

Several threads write 4 MiB pieces at their offsets in a new file, and the file is synced every
64 MiB and at the end, as a download checkpoints its journal: with ``O_DIRECT`` (decision 0801),
through the page cache, and through the page cache with each sync's pages given back
(``POSIX_FADV_DONTNEED``, what a download does now). Prints wall time, MB/s and the process's
CPU for each, and the same with a single sync at the end. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import mmap
import os
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PIECE = 4 * 1024 * 1024
SYNC_EVERY = 16
WORKERS = 4


def write_once(path: Path, size: int, *, direct: bool, every: int, release: bool) -> str:
    buffer = mmap.mmap(-1, PIECE)  # page-aligned, as O_DIRECT needs
    buffer.write(os.urandom(PIECE))
    path.unlink(missing_ok=True)
    os.sync()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_DIRECT if direct else 0), 0o600)
    lock, written = threading.Lock(), [0]
    syncer = ThreadPoolExecutor(1)

    def sync() -> None:
        os.fdatasync(fd)
        if release:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)

    def write(index: int) -> None:
        os.pwrite(fd, buffer, index * PIECE)
        with lock:
            written[0] += 1
            due = every and written[0] % every == 0
        if due:
            syncer.submit(sync)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(write, range(size // PIECE)))
    syncer.shutdown()
    sync()
    elapsed = time.perf_counter() - start
    os.close(fd)
    path.unlink()
    after = resource.getrusage(resource.RUSAGE_SELF)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    rate = size / elapsed / 1e6
    return f"{elapsed:6.3f} s {rate:6,.0f} MB/s  CPU user {user:.2f} system {system:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/var/tmp"))
    args = parser.parse_args()
    path = args.dir / f"sealbox-durable-write-{os.getpid()}.bin"
    size = args.size_mib * 1024 * 1024
    cases = [
        ("O_DIRECT, a sync every 64 MiB (0801)", True, SYNC_EVERY, False),
        ("O_DIRECT, one sync at the end", True, 0, False),
        ("page cache, a sync every 64 MiB", False, SYNC_EVERY, False),
        ("page cache, one sync at the end", False, 0, False),
        ("page cache, a sync every 64 MiB, pages given back (2012)", False, SYNC_EVERY, True),
    ]
    print(f"{args.size_mib} MiB in {PIECE >> 20} MiB pieces from {WORKERS} threads, {args.dir}")
    for _ in range(args.runs):
        for label, direct, every, release in cases:
            result = write_once(path, size, direct=direct, every=every, release=release)
            print(f"{label:<58} {result}", flush=True)


if __name__ == "__main__":
    main()
