# SPDX-License-Identifier: AGPL-3.0-or-later
"""A real server app behind the hostile wrapper, and SDK clients that talk to it in-process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealbox.client.sdk import contacts
from sealbox.client.sdk.account import signup
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.state import LocalState
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings
from sealbox.testing.hostile import Exchange, HostileServer

SERVER = "http://sealbox.test"
FAST = {"opslimit": FLOOR_OPSLIMIT, "memlimit": FLOOR_MEMLIMIT}
PASSWORD = "the user's password"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Arena:
    hostile: HostileServer
    http: httpx.AsyncClient
    tmp: Path

    def state(self, name: str) -> LocalState:
        return LocalState(self.tmp / "homes" / name)

    async def user(self, name: str) -> Drive:
        session, _ = await signup(Api(self.http), self.state(name), SERVER, name, PASSWORD, **FAST)
        return Drive(session)


def incoming_rewrite(
    change: Callable[[dict[str, Any]], None],
) -> Callable[[Exchange], bytes | None]:
    """A rule body that rewrites every incoming share of a GET /v1/shares answer."""

    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200:
            return None
        body = json.loads(exchange.body)
        for view in body["incoming"]:
            change(view)
        return json.dumps(body).encode()

    return rewrite


async def contacts_of(inviter: Drive, *invitees: Drive) -> None:
    """Make accepted contacts, which sharing requires."""
    for invitee in invitees:
        await contacts.invite(inviter.session, invitee.session.username)
        await contacts.accept(invitee.session, inviter.session.username)


@pytest.fixture
async def arena(tmp_path: Path) -> AsyncIterator[Arena]:
    settings = Settings(data_dir=tmp_path / "server", secret=bytes(range(32)))
    hostile = HostileServer(create_app(build_services(settings), background_jobs=False))
    async with hostile.app.router.lifespan_context(hostile.app):  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=hostile)
        async with httpx.AsyncClient(transport=transport, base_url=SERVER) as http:
            yield Arena(hostile, http, tmp_path)
