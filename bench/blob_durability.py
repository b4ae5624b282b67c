# SPDX-License-Identifier: AGPL-3.0-or-later
"""The filesystem blob store alone: chunks made durable one by one (``put``: an fsync of the file
and of its directory each) against groups (``stage`` then one ``publish``: two ``syncfs`` per
group), in CPU seconds per GB of this process and its worker threads.

    .venv/bin/python bench/blob_durability.py --chunks 64 --group 4 --group 16

Each chunk is 4 MiB + 16 bytes, streamed in 256 KiB pieces like a request body; the store lives
in a temporary directory under --dir (the filesystem to measure).
"""

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from sealbox.server.blobs.filesystem import FilesystemBlobStore

MIB = 1024 * 1024
PIECE = 256 * 1024


async def run(directory: Path, mode: str, chunks: int, group: int) -> None:
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        store = FilesystemBlobStore(Path(tmp))
        block = os.urandom(4 * MIB + 16)

        async def body() -> AsyncIterator[bytes]:
            for start in range(0, len(block), PIECE):
                yield block[start : start + PIECE]

        before, started = os.times(), time.monotonic()
        for first in range(0, chunks, group):
            keys = [f"c/{i}" for i in range(first, min(first + group, chunks))]
            if mode == "one by one":
                await asyncio.gather(*(store.put(key, body()) for key in keys))
            else:
                staged = await asyncio.gather(*(store.staging.stage(key, body()) for key in keys))
                await store.staging.publish(list(staged))
        after, elapsed = os.times(), time.monotonic() - started
        gb = chunks * len(block) / 1e9
        print(
            f"{mode:10} group {group:3}: user {(after.user - before.user) / gb:.2f} "
            f"system {(after.system - before.system) / gb:.2f} CPU s/GB, "
            f"{gb * 1e3 / elapsed:.0f} MB/s, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chunks", type=int, default=64)
    parser.add_argument("--group", type=int, action="append")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    for _ in range(args.rounds):
        for group in args.group or [4, 16]:
            for mode in ("one by one", "grouped"):
                asyncio.run(run(args.dir, mode, args.chunks, group))


if __name__ == "__main__":
    main()
