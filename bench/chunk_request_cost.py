# SPDX-License-Identifier: AGPL-3.0-or-later
"""What one chunk PUT costs the server: a fixed part per request and a part per byte.

    .venv/bin/python bench/chunk_request_cost.py --count 300 --big-count 100

Starts a real ``sealbox server`` (SQLite + local disk), signs up, opens two uploads, and sends
their chunks one after another over one keep-alive connection: ``--count`` chunks of 1 KiB, then
``--big-count`` chunks of 4 MiB. Prints the server's CPU per request (user and system apart,
from /proc) for each size; the small chunks give the fixed cost of a chunk request (routing,
authentication, the upload's checks, the group commit), and the difference per byte between
the two sizes gives what moving the bytes costs. One request at a time, so each chunk is its own
group commit (a real put keeps four in flight and shares some).
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx

from sealbox.protocol.models import b64encode
from sealbox.testing.http_api import RawApi, new_id, ok
from sealbox.testing.server_process import ServerProcess

HEADER = b"\x01" * 56
TAG = 16


def cpu(pid: int) -> tuple[float, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def open_upload(url: str, headers: dict[str, str], size: int, count: int) -> str:
    """An upload of ``count`` chunks of ``size`` ciphertext bytes and a last short one."""
    content = b64encode(new_id())
    body = {
        "content_id": content,
        "header": b64encode(HEADER),
        "chunk_size": size - TAG,
        "chunk_count": count + 1,
        "total_size": len(HEADER) + count * size + 10 + TAG,
    }
    ok(httpx.post(f"{url}/v1/uploads", json=body, headers=headers))
    return content


def send_chunks(port: int, headers: dict[str, str], content: str, size: int, count: int) -> None:
    send_indexes(port, headers, content, size, range(count))


def send_indexes(
    port: int, headers: dict[str, str], content: str, size: int, indexes: range
) -> None:
    """PUT chunks ``indexes`` of ``size`` random bytes, one after another on one connection."""
    auth = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    data = os.urandom(size)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for index in indexes:
            head = (
                f"PUT /v1/uploads/{content}/chunks/{index} HTTP/1.1\r\nHost: bench\r\n{auth}"
                f"Content-Length: {size}\r\n\r\n"
            )
            sock.sendall(head.encode())
            sock.sendall(data)
            answer = b""
            while not (b"\r\n\r\n" in answer and answer.endswith(b"}")):
                piece = sock.recv(65536)
                if not piece:
                    raise SystemExit("the server closed the connection")
                answer += piece
            if b" 200 " not in answer.split(b"\r\n", 1)[0]:
                raise SystemExit(answer.decode(errors="replace")[:300])


@dataclass(frozen=True)
class BenchServer:
    """A running ``sealbox server`` with one account signed up."""

    url: str
    pid: int
    port: int
    headers: dict[str, str]

    def measure(self, send: Callable[[], None]) -> tuple[float, float, float]:
        """Wall seconds and the server's user and system CPU seconds while ``send()`` runs,
        after a ``sync`` so that nothing left dirty before is written back on its account."""
        os.sync()
        user0, sys0 = cpu(self.pid)
        start = time.perf_counter()
        send()
        wall = time.perf_counter() - start
        user1, sys1 = cpu(self.pid)
        return wall, user1 - user0, sys1 - sys0


@contextmanager
def bench_server(prefix: str) -> Iterator[BenchServer]:
    """A fresh server in a temporary directory, stopped and removed afterwards."""
    import anyio

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        server = ServerProcess(Path(tmp) / "server")
        server.start()
        try:
            assert server.process is not None
            headers = anyio.run(signup, server.url)
            port = int(server.url.rsplit(":", 1)[1])
            yield BenchServer(server.url, server.process.pid, port, headers)
        finally:
            server.stop()


async def signup(url: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=url) as client:
        return (await RawApi(client).signup()).headers


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="chunks of 1 KiB")
    parser.add_argument("--big-count", type=int, default=100, help="chunks of 4 MiB")
    args = parser.parse_args()
    rows = []
    with bench_server("sealbox-chunk-cost-") as server:
        for size, count in ((1024 + TAG, args.count), ((4 << 20) + TAG, args.big_count)):
            content = open_upload(server.url, server.headers, size, count)
            wall, user, system = server.measure(
                partial(send_chunks, server.port, server.headers, content, size, count)
            )
            rows.append((size, count, wall, user / count, system / count))
    print("| chunk bytes | requests | wall per request | server CPU per request (user / system) |")
    print("|---:|---:|---:|---:|")
    for size, count, wall, user, system in rows:
        total = (user + system) * 1000
        print(
            f"| {size:,} | {count} | {wall / count * 1000:.2f} ms | {total:.2f} ms "
            f"({user * 1000:.2f} / {system * 1000:.2f}) |"
        )
    (small, _, _, su, ss), (big, _, _, bu, bs) = rows
    per_gb = ((bu + bs) - (su + ss)) / (big - small) * 1e9
    fixed_gb = (su + ss) / big * 1e9
    print(
        f"\nfixed part: {(su + ss) * 1000:.2f} ms per request = {fixed_gb:.2f} CPU s/GB in 4 MiB "
        f"chunks; per byte: {per_gb:.2f} CPU s/GB; sum {fixed_gb + per_gb:.2f} s/GB"
    )


if __name__ == "__main__":
    main()
