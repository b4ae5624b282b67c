# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark: many concurrent chunked uploads against a real ``sealbox server`` process.

Measures the server's peak resident memory (sampled from /proc every 50 ms) and the aggregate upload
throughput, then commits every upload in one folder transaction and checks one object end to end.

    .venv/bin/python bench/server_uploads.py --uploads 50 --size-mib 100

Results go to docs/benchmarks.md ("Server"). Nothing here is asserted by the test suite.
"""

import argparse
import asyncio
import hashlib
import os
import tempfile
import time
from pathlib import Path

import httpx

from sealbox.protocol.models import b64encode
from sealbox.testing.http_api import RawApi, file_put, new_id, ok
from sealbox.testing.server_process import ServerProcess

CHUNK = 4 * 1024 * 1024
FULL = CHUNK + 16
HEADER = b"\x03" * 64


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--size-mib", type=int, default=100)
    parser.add_argument("--db", default=None, help="database URL (default: SQLite)")
    args = parser.parse_args()

    chunks = max(1, args.size_mib * 1024 * 1024 // CHUNK)
    total = len(HEADER) + chunks * FULL
    block = os.urandom(FULL)

    with tempfile.TemporaryDirectory(prefix="sealbox-bench-") as tmp:
        server = ServerProcess(Path(tmp) / "data", args.db)
        server.start()
        peak = baseline = server.rss_bytes()
        stop = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, server.rss_bytes())
                await asyncio.sleep(0.05)

        try:
            limits = httpx.Limits(max_connections=args.uploads + 5)
            async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as http:
                api = RawApi(http)
                account = await api.signup()
                ids = [new_id() for _ in range(args.uploads)]
                for content in ids:
                    ok(
                        await http.post(
                            "/v1/uploads",
                            json={
                                "content_id": b64encode(content),
                                "header": b64encode(HEADER),
                                "chunk_size": CHUNK,
                                "chunk_count": chunks,
                                "total_size": total,
                            },
                            headers=account.headers,
                        )
                    )

                async def one(content: bytes) -> None:
                    for index in range(chunks):
                        piece = index.to_bytes(8, "big") + content[:8] + block[16:]
                        ok(
                            await http.put(
                                f"/v1/uploads/{b64encode(content)}/chunks/{index}",
                                content=piece,
                                headers=account.headers,
                            )
                        )

                sampler = asyncio.create_task(sample())
                cpu_before = server_cpu(server)
                started = time.monotonic()
                await asyncio.gather(*(one(content) for content in ids))
                elapsed = time.monotonic() - started
                cpu = server_cpu(server) - cpu_before
                puts = [file_put(new_id(), account.root_id, content) for content in ids]
                ok(await api.tx(account, manifests=[account.root_id], puts=puts))
                stop.set()
                await sampler

                digest = hashlib.sha256()
                async with http.stream(
                    "GET", f"/v1/contents/{b64encode(ids[0])}", headers=account.headers
                ) as response:
                    async for part in response.aiter_bytes():
                        digest.update(part)
                expected = hashlib.sha256(HEADER)
                for index in range(chunks):
                    expected.update(index.to_bytes(8, "big") + ids[0][:8] + block[16:])
                assert digest.digest() == expected.digest(), "downloaded object differs"
        finally:
            server.stop()

    moved = args.uploads * chunks * FULL
    print(f"uploads: {args.uploads} x {chunks * FULL / 2**20:.0f} MiB, concurrent")
    print(f"database: {'SQLite' if args.db is None else args.db.split(':')[0]}")
    print(f"server RSS: baseline {baseline / 2**20:.0f} MiB, peak {peak / 2**20:.0f} MiB")
    print(f"time: {elapsed:.1f} s, aggregate {moved / 2**20 / elapsed:.0f} MiB/s")
    print(f"server CPU: {cpu:.1f} s, {cpu / (moved / 1e9):.2f} s/GB received")


def server_cpu(server: ServerProcess) -> float:
    """User + system CPU seconds of the server process so far (Linux /proc)."""
    assert server.process is not None
    stat = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    asyncio.run(main())
