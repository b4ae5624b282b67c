# SPDX-License-Identifier: AGPL-3.0-or-later
"""A live server behind the hostile wrapper on a real socket, and Debian's Chromium driven by
Playwright (its own browser download cannot work here: /usr/bin/chromium is used instead)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings
from sealbox.testing.hostile import HostileServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Live:
    hostile: HostileServer
    url: str


@contextmanager
def live_server(data_dir: Path) -> Iterator[Live]:
    """The real app, wrapped so tests can rewrite answers and see every request, on 127.0.0.1."""
    settings = Settings(data_dir=data_dir, secret=bytes(range(32)))
    hostile = HostileServer(create_app(build_services(settings), background_jobs=False))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(hostile, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Live(hostile, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
