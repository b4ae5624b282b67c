# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures for SDK tests: a real server app in-process (SQLite + filesystem blobs) reached
through httpx's ASGI transport, and a fresh local state directory per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sealbox.client.sdk.account import Session, signup
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.state import LocalState
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings

SERVER = "http://sealbox.test"
# The weakest settings any client accepts: cheap enough for tests, and still the real Argon2id.
FAST = {"opslimit": FLOOR_OPSLIMIT, "memlimit": FLOOR_MEMLIMIT}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class World:
    http: httpx.AsyncClient
    tmp: Path

    def state(self, name: str) -> LocalState:
        return LocalState(self.tmp / "homes" / name)

    def api(self) -> Api:
        return Api(self.http)

    async def user(self, name: str, password: str = "correct horse battery") -> Drive:
        session, _ = await signup(self.api(), self.state(name), SERVER, name, password, **FAST)
        return Drive(session)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = Settings(data_dir=tmp_path / "server", secret=bytes(range(32)))
    app = create_app(build_services(settings), background_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SERVER) as http:
            yield World(http, tmp_path)


def session_of(drive: Drive) -> Session:
    return drive.session
