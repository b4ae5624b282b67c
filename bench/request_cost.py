# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the server spends per request and per command, apart from the bytes it moves.

    .venv/bin/python bench/request_cost.py --stack embedded --requests 3000
    .venv/bin/python bench/request_cost.py --stack direct --commands 10

``embedded``: a real ``sealbox server`` (SQLite + local disk); after a warm-up, the SDK's own
``Api`` sends ``--requests`` of each of three requests one after another: ``GET /healthz`` (no
session, no database: uvicorn, FastAPI and the middleware), ``GET /v1/account`` (the session
check and the account view with its usage sum) and a listing of the empty root folder. The
server's CPU time (user + system, /proc) is divided by the number of requests.

``direct``: the scale-out stack with direct transfers (PostgreSQL + Ceph radosgw, started by
bench/stack_transfer.py's helpers); ``--commands`` real ``sealbox put`` and then ``sealbox get``
of an 8 MiB file, the server's CPU per command. This is the fixed part of issue 20's "API server
CPU per GB under 0.05 on the Ceph stack with direct transfers": a 1 GiB put has it once.

The machine's other load moves these figures by a third; compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack_transfer
from sealbox.client.sdk import account
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.state import LocalState
from suite import Stack, proc_cpu


async def per_request(stack: Stack, count: int) -> None:
    async with httpx.AsyncClient(base_url=stack.server.url, timeout=600) as http:
        api = Api(http)
        session = await account.resume(api, LocalState(stack.home))
        cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("GET /healthz", lambda: http.get("/healthz")),
            ("GET /v1/account", api.account),
            ("GET /v1/folders/ROOT (empty)", lambda: api.folder(session.root_id)),
        ]
        print(f"| request, {count} in a row | server CPU per request | wall per request |")
        print("|---|---:|---:|")
        for name, call in cases:
            for _ in range(50):
                await call()
            cpu, began = proc_cpu(stack.server_pid), time.perf_counter()
            for _ in range(count):
                await call()
            spent, wall = proc_cpu(stack.server_pid) - cpu, time.perf_counter() - began
            print(f"| {name} | {1000 * spent / count:.2f} ms | {1000 * wall / count:.2f} ms |")


def embedded(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sealbox-bench-") as tmp:
        stack = Stack(Path(tmp))
        try:
            stack.cli("signup", "bench", SEALBOX_KDF_OPSLIMIT="2", SEALBOX_KDF_MEMLIMIT_MIB="64")
            asyncio.run(per_request(stack, count))
        finally:
            stack.stop()


def direct(count: int) -> None:
    st = stack_transfer
    with tempfile.TemporaryDirectory(prefix="sealbox-bench-") as tmp:
        work = Path(tmp)
        with st.scale_out(work, 64, direct=True) as server:
            home = work / "home"
            st.cli(server, home, "signup", "bench")
            source = work / "f.bin"
            st.write_file(source, 8)
            st.cli(server, home, "put", str(source), "/warm.bin")  # the S3 client, made once
            st.cli(server, home, "get", "/warm.bin", str(work / "warm-again.bin"))
            print(f"| command, {count} in a row | server CPU per command |")
            print("|---|---:|")
            for what in ("put", "get"):
                cpu = st.cpu_seconds(server)
                for i in range(count):
                    if what == "put":
                        st.cli(server, home, "put", str(source), f"/f{i}.bin")
                    else:
                        st.cli(server, home, "get", f"/f{i}.bin", str(work / "again.bin"))
                spent = st.cpu_seconds(server) - cpu
                print(f"| sealbox {what}, 8 MiB, direct | {1000 * spent / count:.1f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stack", choices=["embedded", "direct"], default="embedded")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--commands", type=int, default=10)
    args = parser.parse_args()
    if args.stack == "embedded":
        embedded(args.requests)
    else:
        direct(args.commands)


if __name__ == "__main__":
    main()
