# SPDX-License-Identifier: AGPL-3.0-or-later
"""The loopback HTTP ceiling: the server's own stack (uvicorn, same settings) with no crypto, no
database and no blob store, streaming request bodies to a file (with fsync) and files back.

Run by bench/suite.py as ``python bench/bare_http.py PORT DIR``.
"""

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

app = FastAPI()
ROOT = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(".")


@app.put("/blob/{name}")
async def put(name: str, request: Request) -> dict[str, int]:
    size = 0
    with (ROOT / name).open("wb") as f:
        async for part in request.stream():
            await anyio.to_thread.run_sync(f.write, part)
            size += len(part)
        await anyio.to_thread.run_sync(os.fsync, f.fileno())
    return {"size": size}


@app.get("/blob/{name}")
async def get(name: str, request: Request) -> StreamingResponse:
    path = ROOT / name
    start, end = 0, path.stat().st_size  # a "bytes=a-b" range too, for bench/http_clients.py
    if ranged := request.headers.get("range"):
        first, last = ranged.removeprefix("bytes=").split("-")
        start, end = int(first), min(end, int(last) + 1)

    async def stream() -> AsyncIterator[bytes]:
        with path.open("rb") as f:
            f.seek(start)
            left = end - start
            while left and (part := await anyio.to_thread.run_sync(f.read, min(left, 1024 * 1024))):
                left -= len(part)
                yield part

    status = 206 if ranged else 200
    return StreamingResponse(stream(), status, headers={"Content-Length": str(end - start)})


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="warning")
