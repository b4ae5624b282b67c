# SPDX-License-Identifier: AGPL-3.0-or-later
"""What moving the bytes alone costs a client, per GB, with no cipher and no protocol.

A put reads the file and sends it over a socket; a get receives it and writes it to a file that
is synced at the end. Both are kernel work that any client of a remote store pays (rclone's
too), measured here as the CPU time of the one thread that does them, on loopback, in 4 MiB
pieces into a reused buffer: the least a Python process can spend. The far end (a thread that
drains or feeds the socket) is not counted, as the server's CPU is not counted in the client's.
Together with the raw cipher's CPU s/GB it gives the floor under a client's CPU per GB (issue 20,
"client CPU per GB"): see docs/benchmarks.md.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

PIECE = 4 * 1024 * 1024


def _loopback_pair() -> tuple[socket.socket, socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        near = socket.create_connection(listener.getsockname()[:2])
        far, _ = listener.accept()
    return near, far


def _with_far_end(far_work: Callable[[], None], near_work: Callable[[], None]) -> float:
    """CPU seconds of ``near_work`` in this thread while ``far_work`` runs in another."""
    thread = threading.Thread(target=far_work)
    thread.start()
    start = time.thread_time()
    near_work()
    cpu = time.thread_time() - start
    thread.join()
    return cpu


def put_floor(source: Path) -> float:
    """CPU s/GB to read ``source`` and send it over a loopback socket."""
    near, far = _loopback_pair()
    size = source.stat().st_size

    def drain() -> None:
        view = memoryview(bytearray(PIECE))
        while far.recv_into(view):
            pass
        far.close()

    def send() -> None:
        buffer = bytearray(PIECE)
        view = memoryview(buffer)
        fd = os.open(source, os.O_RDONLY)
        try:
            while n := os.readv(fd, [buffer]):
                near.sendall(view[:n])
        finally:
            os.close(fd)
            near.close()

    return _with_far_end(drain, send) / (size / 1e9)


def get_floor(target: Path, size: int) -> float:
    """CPU s/GB to receive ``size`` bytes from a loopback socket into ``target``, then fsync."""
    near, far = _loopback_pair()

    def feed() -> None:
        piece = os.urandom(PIECE)
        for _ in range(size // PIECE):
            far.sendall(piece)
        far.close()

    def receive() -> None:
        view = memoryview(bytearray(PIECE))
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            while n := near.recv_into(view):
                os.write(fd, view[:n])
            os.fsync(fd)
        finally:
            os.close(fd)
            near.close()

    try:
        return _with_far_end(feed, receive) / (size // PIECE * PIECE / 1e9)
    finally:
        target.unlink(missing_ok=True)


def io_floor(source: Path, directory: Path, runs: int = 3) -> tuple[float, float]:
    """Medians of ``runs``: the put floor and the get floor, in CPU s/GB."""
    size = source.stat().st_size
    puts, gets = [], []
    for _ in range(runs):
        # Other files' dirty pages (the source just written, an earlier run's) would otherwise be
        # written back on this run's account: the get's figure varied from 0.4 to 2.5 s/GB.
        os.sync()
        puts.append(put_floor(source))
        os.sync()
        gets.append(get_floor(directory / "io-floor.bin", size))
    return sorted(puts)[runs // 2], sorted(gets)[runs // 2]
