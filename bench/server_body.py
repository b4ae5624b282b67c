# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's CPU seconds per GB receiving and sending bulk bytes, without the CLI around it.

    .venv/bin/python bench/server_body.py --size-mib 512 [--in-flight 4] [--rounds 2]

Starts a real ``sealbox server`` (SQLite + filesystem store), opens one upload, PUTs its 4 MiB
chunks with ``--in-flight`` requests at once (as the CLI does), commits the file, then GETs the
whole content object in one request. Prints per phase the rate and the server's user and system
CPU seconds per GB from /proc, with the load average: the client here is a thin HTTP client, so
the figures move less with the client's own work than ``bench/server_cpu.py``'s.
"""

import argparse
import asyncio
import os
import subprocess
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


def cpu(pid: int) -> tuple[float, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _profiler(pid: int, profile: str | None, phase: str) -> subprocess.Popen[bytes] | None:
    if profile is None:
        return None
    command = ["py-spy", "record", "-p", str(pid), "-d", "2", "-r", "400", "--format", "raw"]
    return subprocess.Popen([*command, "-o", f"{profile}-{phase}.txt"], stdout=subprocess.DEVNULL)


def report(name: str, pid: int, before: tuple[float, float], moved: int, seconds: float) -> None:
    after = cpu(pid)
    user, system = after[0] - before[0], after[1] - before[1]
    gb = moved / 1e9
    print(
        f"{name}: {moved / seconds / 1e6:5.0f} MB/s, server CPU s/GB {(user + system) / gb:.2f} "
        f"(user {user / gb:.2f}, system {system / gb:.2f}), load {os.getloadavg()[0]:.2f}",
        flush=True,
    )


async def one_round(size_mib: int, in_flight: int, profile: str | None) -> None:
    chunks = max(1, size_mib * 1024 * 1024 // CHUNK)
    block = os.urandom(FULL)
    with tempfile.TemporaryDirectory(prefix="sealbox-body-") as tmp:
        server = ServerProcess(Path(tmp) / "data")
        server.start()
        assert server.process is not None
        pid = server.process.pid
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=300) as http:
                account = await RawApi(http).signup()
                content = new_id()
                cid = b64encode(content)
                opened = {
                    "content_id": cid,
                    "header": b64encode(HEADER),
                    "chunk_size": CHUNK,
                    "chunk_count": chunks,
                    "total_size": len(HEADER) + chunks * FULL,
                }
                ok(await http.post("/v1/uploads", json=opened, headers=account.headers))
                queue = list(range(chunks))

                async def sender() -> None:
                    while queue:
                        index = queue.pop(0)
                        url = f"/v1/uploads/{cid}/chunks/{index}"
                        ok(await http.put(url, content=block, headers=account.headers))

                spy = _profiler(pid, profile, "put")
                before, started = cpu(pid), time.monotonic()
                await asyncio.gather(*(sender() for _ in range(in_flight)))
                if spy is not None:
                    spy.wait()
                report("put", pid, before, chunks * FULL, time.monotonic() - started)
                put = file_put(new_id(), account.root_id, content)
                ok(await RawApi(http).tx(account, manifests=[account.root_id], puts=[put]))
                spy = _profiler(pid, profile, "get")
                before, started = cpu(pid), time.monotonic()
                got = 0
                async with http.stream(
                    "GET", f"/v1/contents/{cid}", headers=account.headers
                ) as response:
                    async for part in response.aiter_raw():
                        got += len(part)
                assert got == len(HEADER) + chunks * FULL, got
                report("get", pid, before, got, time.monotonic() - started)
                if spy is not None:
                    spy.wait()
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", help="py-spy each phase 2 s into PROFILE-put.txt, -get.txt")
    args = parser.parse_args()
    for _ in range(args.rounds):
        asyncio.run(one_round(args.size_mib, args.in_flight, args.profile))


if __name__ == "__main__":
    main()
