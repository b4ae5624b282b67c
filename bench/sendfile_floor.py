# SPDX-License-Identifier: AGPL-3.0-or-later
"""What sending a cached file over loopback costs the sender, with nothing else around it.

    .venv/bin/python bench/sendfile_floor.py --size-mib 1024 --runs 3

A child process reads a loopback TCP connection as fast as it can into one buffer; the parent
sends it one cached file, once with ``os.sendfile`` and once with ``pread`` into one reused buffer
plus ``send``, and prints its own user and system CPU seconds per GB (10^9 bytes) for each. This
is the floor under the server's CPU per GB on a get (docs/benchmarks.md, stop 32): on loopback
the receiving side's TCP work runs in the sender's context, so it is counted here too.
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024


def _reader(address: tuple[str, int], size: int) -> None:
    with socket.create_connection(address) as conn:
        buffer = bytearray(4 * MIB)
        got = 0
        while got < size:
            n = conn.recv_into(buffer)
            if n == 0:
                break
            got += n


def send_once(path: Path, how: str) -> tuple[float, float, float]:
    """(user, system, MB/s) of the sender for one send of ``path``."""
    size = path.stat().st_size
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    child = os.fork()
    if child == 0:
        try:
            _reader(listener.getsockname(), size)
        finally:
            os._exit(0)
    conn, _ = listener.accept()
    fd = os.open(path, os.O_RDONLY)
    try:
        before, start = os.times(), time.perf_counter()
        if how == "sendfile":
            sent = 0
            while sent < size:
                sent += os.sendfile(conn.fileno(), fd, sent, size - sent)
        else:
            buffer = bytearray(2 * MIB)
            offset = 0
            while offset < size:
                n = os.preadv(fd, [buffer], offset)
                conn.sendall(memoryview(buffer)[:n])
                offset += n
        after, wall = os.times(), time.perf_counter() - start
    finally:
        os.close(fd)
        conn.close()
        listener.close()
        os.waitpid(child, 0)
    gb = size / 1e9
    return (after.user - before.user) / gb, (after.system - before.system) / gb, size / 1e6 / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.bin"
        with path.open("wb") as out:
            for _ in range(args.size_mib):
                out.write(os.urandom(MIB))
        send_once(path, "sendfile")  # warm the page cache
        print("| sender | user CPU s/GB | system CPU s/GB | MB/s |")
        print("|---|---:|---:|---:|")
        for _ in range(args.runs):
            for how in ("sendfile", "pread + send"):
                user, system, rate = send_once(path, how)
                print(f"| {how} | {user:.2f} | {system:.2f} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
