# SPDX-License-Identifier: AGPL-3.0-or-later
"""The filesystem blob store alone, as the chunk routes drive it: 4 MiB chunks streamed in
256 KiB pieces into ``stage`` (four at once, published in groups of four), then every chunk read
back through ``get``; CPU seconds per GB of this process and its worker threads, per phase.

    .venv/bin/python bench/blob_io.py --chunks 128 --rounds 3

Run it with PYTHONPATH pointing at two source trees in turn to compare them; say the load.
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


def _report(phase: str, before: os.times_result, started: float, gb: float) -> None:
    after, elapsed = os.times(), time.monotonic() - started
    user, system = after.user - before.user, after.system - before.system
    print(
        f"{phase}: CPU s/GB {(user + system) / gb:.2f} (user {user / gb:.2f}, system "
        f"{system / gb:.2f}), {gb * 1e3 / elapsed:.0f} MB/s, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )


async def run(directory: Path, chunks: int) -> None:
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        store = FilesystemBlobStore(Path(tmp))
        block = os.urandom(4 * MIB + 16)
        gb = chunks * len(block) / 1e9

        async def body() -> AsyncIterator[bytes]:
            for start in range(0, len(block), PIECE):
                yield block[start : start + PIECE]

        before, started = os.times(), time.monotonic()
        for first in range(0, chunks, 4):
            keys = [f"c/{i}" for i in range(first, min(first + 4, chunks))]
            staged = await asyncio.gather(*(store.staging.stage(key, body()) for key in keys))
            await store.staging.publish(list(staged))
        _report("stage", before, started, gb)
        before, started = os.times(), time.monotonic()
        for index in range(chunks):
            size = 0
            async for piece in store.get(f"c/{index}"):
                size += len(piece)
            assert size == len(block)
        _report("get  ", before, started, gb)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chunks", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    for _ in range(args.rounds):
        asyncio.run(run(args.dir, args.chunks))


if __name__ == "__main__":
    main()
