# SPDX-License-Identifier: AGPL-3.0-or-later
"""A drive handle over a real server app behind the hostile wrapper, in this process; and a real
``sealbox server`` process with a logged-in CLI home, for the tests that start real programs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sealbox.client.access import DriveHandle
from sealbox.client.sdk.account import signup
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.state import LocalState
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings
from sealbox.testing.hostile import HostileServer
from sealbox.testing.server_process import ServerProcess

SERVER = "http://sealbox.test"
PASSWORD = "a long and correct password"


@dataclass
class Hostile:
    """A handle on alice's drive, and the hostile wrapper her requests go through."""

    handle: DriveHandle
    server: HostileServer
    where: Path

    def close(self) -> None:
        self.handle.close()
        if self.where.is_relative_to(SHM):
            shutil.rmtree(self.where, ignore_errors=True)


SHM = Path("/dev/shm")


def in_memory(tmp: Path) -> Path:
    """A folder for the server's and the client's databases: in memory where the system has a
    tmpfs, since the client's state database syncs every listing's high-water mark to disk, and
    those syncs are most of the time a listing-heavy test takes."""
    if not SHM.is_dir() or not os.access(SHM, os.W_OK):
        return tmp
    return Path(tempfile.mkdtemp(prefix="sealbox-access-", dir=SHM))


def open_hostile(tmp: Path, watch_feed: bool = False, ttl: float = 2.0) -> Hostile:
    found: list[HostileServer] = []
    tmp = in_memory(tmp)

    @asynccontextmanager
    async def opener() -> AsyncIterator[Drive]:
        settings = Settings(data_dir=tmp / "server", secret=bytes(range(32)))
        hostile = HostileServer(create_app(build_services(settings), background_jobs=False))
        found.append(hostile)
        async with hostile.app.router.lifespan_context(hostile.app):  # type: ignore[attr-defined]
            transport = httpx.ASGITransport(app=hostile)
            async with httpx.AsyncClient(transport=transport, base_url=SERVER) as http:
                state = LocalState(tmp / "home")
                try:
                    session, _ = await signup(
                        Api(http), state, SERVER, "alice", PASSWORD,
                        opslimit=FLOOR_OPSLIMIT, memlimit=FLOOR_MEMLIMIT,
                    )  # fmt: skip
                    yield Drive(session)
                finally:
                    state.close()

    handle = DriveHandle(opener, ttl=ttl, watch_feed=watch_feed)
    return Hostile(handle, found[0], tmp)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Hostile]:
    opened = open_hostile(tmp_path)
    try:
        yield opened
    finally:
        opened.close()


@dataclass
class LoggedIn:
    """A real server process and a CLI home logged in to it as alice."""

    server: ServerProcess
    home: Path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SEALBOX_SERVER": self.server.url,
            "SEALBOX_HOME": str(self.home),
            "SEALBOX_PASSWORD": PASSWORD,
            "SEALBOX_KDF_OPSLIMIT": "2",
            "SEALBOX_KDF_MEMLIMIT_MIB": "64",
        }

    def sealbox(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sealbox", *args], env=self.env(), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip


@pytest.fixture
def logged_in(tmp_path: Path) -> Iterator[LoggedIn]:
    server = ServerProcess(tmp_path / "server")
    server.start()
    try:
        alice = LoggedIn(server, tmp_path / "home")
        alice.sealbox("signup", "alice")
        yield alice
    finally:
        server.stop()
