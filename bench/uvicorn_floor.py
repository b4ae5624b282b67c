# SPDX-License-Identifier: AGPL-3.0-or-later
"""The floor under the server's CPU per GB: uvicorn as ``sealbox server`` runs it (uvloop,
httptools) with a bare ASGI app that reads request bodies and drops them, and sends 2 MiB pieces
from memory; no routing, no database, no blob store.

    .venv/bin/python bench/uvicorn_floor.py [--fastapi]

Puts 128 chunks of 4 MiB + 16 bytes four at a time (as the CLI does), then gets 1 GiB in one
response; prints the server process's CPU seconds per GB from /proc, the ASGI messages per chunk
and the load average. ``--fastapi`` puts the bodies through a FastAPI route reading
``request.stream()`` instead (puts only).
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from sealbox.testing.postgres import free_port

CHUNK = 4 * 1024 * 1024 + 16
PIECE = 2 * 1024 * 1024 + 2048
PIECES = 512
counts = {"messages": 0}


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["method"] == "PUT":
        more = True
        while more:
            message = await receive()
            counts["messages"] += 1
            more = message.get("more_body", False)
        body = str(counts["messages"]).encode()
        length = len(body)
    else:
        body, length = os.urandom(PIECE), PIECES * PIECE
    headers = [(b"content-length", str(length).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if scope["method"] == "PUT":
        await send({"type": "http.response.body", "body": body})
        return
    for _ in range(PIECES):
        await send({"type": "http.response.body", "body": body, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def serve(port: int, fastapi: bool) -> None:
    import uvicorn

    app: Any = bare
    if fastapi:
        from fastapi import FastAPI, Request

        app = FastAPI()

        @app.put("/chunk")
        async def put(request: Request) -> str:
            async for _part in request.stream():
                counts["messages"] += 1
            return str(counts["messages"])

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def cpu(pid: int) -> tuple[float, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def line(name: str, before: tuple[float, float], after: tuple[float, float], gb: float) -> str:
    user, system = after[0] - before[0], after[1] - before[1]
    return (
        f"{name}: server CPU s/GB {(user + system) / gb:.2f} (user {user / gb:.2f}, "
        f"system {system / gb:.2f}), load {os.getloadavg()[0]:.1f}"
    )


async def drive(port: int, pid: int, get: bool) -> None:
    block, chunks = os.urandom(CHUNK), 128
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url, timeout=300) as http:
        for _ in range(100):
            try:
                await http.get("/ready")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        queue, seen = list(range(chunks)), [""]

        async def sender() -> None:
            while queue:
                queue.pop()
                seen[0] = (await http.put("/chunk", content=block)).text

        before = cpu(pid)
        await asyncio.gather(*(sender() for _ in range(4)))
        print(line("put", before, cpu(pid), chunks * CHUNK / 1e9), flush=True)
        print(f"     {int(seen[0].strip(chr(34))) / chunks:.1f} ASGI messages per chunk")
        if not get:
            return
        before, got = cpu(pid), 0
        async with http.stream("GET", "/data") as response:
            async for part in response.aiter_raw():
                got += len(part)
        print(line("get", before, cpu(pid), got / 1e9), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--fastapi", action="store_true")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.fastapi)
        return
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(port)]
    server = subprocess.Popen(command + (["--fastapi"] if args.fastapi else []))
    try:
        time.sleep(0.5)
        asyncio.run(drive(port, server.pid, get=not args.fastapi))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
