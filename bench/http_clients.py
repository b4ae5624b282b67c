# SPDX-License-Identifier: AGPL-3.0-or-later
"""The bulk path's HTTP client: CPU seconds per GB of httpx (h11), aiohttp (llhttp, C) and, for
gets, the SDK's own pool that receives into the chunk buffer (client/sdk/bulk_http.py).

    .venv/bin/python bench/http_clients.py --size-mib 512 --runs 3

Starts ``bench/bare_http.py`` (the server's own stack, uvicorn on uvloop and httptools, no crypto
or database) and, in a fresh process per case, moves the same bytes the way the SDK does: puts in
4 MiB requests, four at a time, each body sent from one reusable buffer; gets as ranged requests
of 64 MiB (16 chunks), four at a time, each response copied into one reusable 4 MiB buffer (by
the SDK's pool: received into it). Only the transfer is measured (``os.times`` of the client
process, imports excluded), so the figures are the HTTP client's own cost per GB plus the
socket's. Decisions 2002 and 2006 quote them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024
CHUNK = 4 * MIB
SPAN = 16 * CHUNK
WORKERS = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def httpx_case(url: str, size: int, direction: str, http) -> None:  # type: ignore[no-untyped-def]
    async with http:
        await _run(size, direction, _httpx_put(http, url), _httpx_get(http, url))


def _httpx_put(http, url):  # type: ignore[no-untyped-def]
    async def put(index: int, body: memoryview) -> None:
        async def pieces():  # type: ignore[no-untyped-def]
            for at in range(0, len(body), MIB):
                yield body[at : at + MIB]

        headers = {"content-length": str(len(body))}
        response = await http.put(f"{url}/blob/up{index}", content=pieces(), headers=headers)
        response.raise_for_status()

    return put


def _httpx_get(http, url):  # type: ignore[no-untyped-def]
    async def get(start: int, end: int, buffer: memoryview) -> int:
        got = 0
        headers = {"range": f"bytes={start}-{end - 1}"}
        async with http.stream("GET", f"{url}/blob/down", headers=headers) as response:
            async for piece in response.aiter_bytes():
                got = _copy(buffer, got, piece)
        return got

    return get


async def aiohttp_case(url: str, size: int, direction: str, _) -> None:  # type: ignore[no-untyped-def]
    import aiohttp

    async with aiohttp.ClientSession() as http:
        await _run(size, direction, _aiohttp_put(http, url), _aiohttp_get(http, url))


def _aiohttp_put(http, url):  # type: ignore[no-untyped-def]
    async def put(index: int, body: memoryview) -> None:
        async with http.put(f"{url}/blob/up{index}", data=body) as response:
            response.raise_for_status()
            await response.read()

    return put


def _aiohttp_get(http, url):  # type: ignore[no-untyped-def]
    async def get(start: int, end: int, buffer: memoryview) -> int:
        got = 0
        headers = {"range": f"bytes={start}-{end - 1}"}
        async with http.get(f"{url}/blob/down", headers=headers) as response:
            while piece := await response.content.readany():
                got = _copy(buffer, got, piece)
        return got

    return get


async def bulk_case(url: str, size: int, direction: str, http) -> None:  # type: ignore[no-untyped-def]
    from sealbox.client.sdk.bulk_http import Body

    assert direction == "get", "uploads go through httpx"
    async with http:
        assert http.bulk is not None
        bulk = http.bulk

        async def get(start: int, end: int, buffer: memoryview) -> int:
            headers = {"range": f"bytes={start}-{end - 1}"}
            answer = await bulk.send(http.build_request("GET", "/blob/down", headers=headers))
            assert isinstance(answer, Body)
            got = 0
            try:
                while filled := await answer.fill(buffer[: min(CHUNK, end - start - got)]):
                    got += filled
            finally:
                await answer.aclose()
            return got

        await _run(size, direction, None, get)


def _copy(buffer: memoryview, got: int, piece: bytes) -> int:
    """Copy a response piece into the chunk buffer, as the SDK's ChunkFiller does."""
    at, view = got % CHUNK, memoryview(piece)
    take = min(len(view), CHUNK - at)
    buffer[at : at + take] = view[:take]
    if take < len(view):
        buffer[: len(view) - take] = view[take:]
    return got + len(view)


async def _run(size: int, direction: str, put, get) -> None:  # type: ignore[no-untyped-def]
    if direction == "put":
        indexes = iter(range(size // CHUNK))

        async def putter() -> None:
            buffer = memoryview(bytearray(os.urandom(CHUNK)))
            for index in indexes:
                await put(index, buffer)

        await asyncio.gather(*(putter() for _ in range(WORKERS)))
    else:
        spans = iter(range(0, size, SPAN))

        async def getter() -> None:
            buffer = memoryview(bytearray(CHUNK))
            for start in spans:
                got = await get(start, min(size, start + SPAN), buffer)
                assert got == min(SPAN, size - start), got

        await asyncio.gather(*(getter() for _ in range(WORKERS)))


def child(client: str, url: str, size: int, direction: str) -> None:
    import uvloop

    case = {"httpx": httpx_case, "aiohttp": aiohttp_case, "bulk": bulk_case}[client]
    # Imported, and the client made (httpx's loads the CA bundle), before the clock starts: the
    # figures are the transfer's alone.
    http = None
    if client == "httpx":
        import httpx

        http = httpx.AsyncClient(timeout=60)
    elif client == "bulk":
        from sealbox.client.sdk.api import Http

        http = Http(base_url=url, timeout=60)
    else:
        import aiohttp  # noqa: F401
    gc.freeze()  # as the CLI does after its imports: collections skip what they made
    before, wall = os.times(), time.perf_counter()
    uvloop.run(case(url, size, direction, http))
    after, wall = os.times(), time.perf_counter() - wall
    user, system = after.user - before.user, after.system - before.system
    gb = size / 1e9
    print(json.dumps({"cpu_s_per_gb": (user + system) / gb, "user": user / gb,
                      "system": system / gb, "mb_s": size / 1e6 / wall}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=4)
    args = parser.parse_args()
    if args.child:
        client, url, size, direction = args.child
        child(client, url, int(size), direction)
        return
    size = args.size_mib * MIB
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sealbox-http-") as tmp:
        root = Path(tmp)
        with (root / "down").open("wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(MIB))
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "bare_http.py"), str(port), tmp]
        )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            results: dict[str, list[dict[str, float]]] = {}
            for _ in range(args.runs):  # interleaved, so a change in load hits every case
                for direction in ("put", "get"):
                    for client in ("httpx", "aiohttp") + (("bulk",) if direction == "get" else ()):
                        command = [sys.executable, __file__, "--child", client, url]
                        command += [str(size), direction]
                        out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
                        results.setdefault(f"{direction} {client}", []).append(
                            json.loads(out.stdout)
                        )
                        for name in os.listdir(tmp):
                            if name.startswith("up"):
                                os.unlink(root / name)
        finally:
            server.terminate()
            server.wait()
    print(
        f"load average {os.getloadavg()[0]:.2f} at the end ({load_before:.2f} at the start), "
        f"{args.size_mib} MiB, median of {args.runs}"
    )
    for case, runs in results.items():
        cpu = statistics.median(r["cpu_s_per_gb"] for r in runs)
        rate = statistics.median(r["mb_s"] for r in runs)
        user = statistics.median(r["user"] for r in runs)
        system = statistics.median(r["system"] for r in runs)
        spread = ", ".join(f"{r['cpu_s_per_gb']:.2f}" for r in runs)
        print(
            f"{case:14} client CPU {cpu:.2f} s/GB ({spread}; user {user:.2f}, "
            f"kernel {system:.2f}), {rate:.0f} MB/s"
        )


if __name__ == "__main__":
    main()
