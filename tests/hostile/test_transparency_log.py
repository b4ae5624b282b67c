# SPDX-License-Identifier: AGPL-3.0-or-later
"""A hostile operator against the transparency log (spec/transparency.md §What a client
checks; threat catalogue A60–A64). The operator holds the log key, so it can sign anything:
what it cannot do is show a history that does not extend the one a client already accepted,
or pass off an entry that is not in the signed tree. Each test is named after what the server
tried; each ends in an IntegrityError and leaves the client's accepted checkpoint as it was."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from sealbox.client.sdk import transparency as tlog
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.log_trust import LogTrust
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.notes import NoteSigner
from sealbox.protocol.models import b64decode, b64encode
from sealbox.server.app import build_services, create_app
from sealbox.server.blobs.memory import MemoryBlobStore
from sealbox.server.services.registry import Services
from sealbox.server.settings import ComplianceSettings, Settings
from sealbox.testing.hostile import Exchange, HostileServer
from sealbox.tlog import Checkpoint, NoteKey, sign_checkpoint
from tests.hostile.conftest import SERVER

pytestmark = pytest.mark.anyio
SECRET = bytes(range(32))
NOTICE = {"source": "api", "category": "STATEMENT_CATEGORY_VIOLENCE"}


class Clock:
    t = 1_800_000_000.0

    def now(self) -> float:
        return self.t


@dataclass
class Operator:
    services: Services
    hostile: HostileServer
    http: httpx.AsyncClient

    def append(self, count: int, kind: str = "notice") -> None:
        for _ in range(count):
            self.services.compliance.log.append(kind, NOTICE if kind == "notice" else {})

    def resign(self) -> None:
        """Sign the log as it now is in the database (the operator holds the key)."""
        self.services.compliance.log._leaves.clear()
        self.services.compliance.log.checkpoint()

    def sql(self, statement: str, **values: object) -> None:
        with self.services.engine.begin() as conn:
            conn.execute(text(statement), values)


async def operator(tmp_path: Path, name: str) -> AsyncIterator[Operator]:
    policy = ComplianceSettings(public_hosts=("sealbox.test",))
    settings = Settings(data_dir=tmp_path / name, secret=SECRET, compliance=policy)
    services = build_services(
        settings, clock=Clock(), blobs=MemoryBlobStore(), log_signer=NoteSigner
    )
    hostile = HostileServer(create_app(services, background_jobs=False))
    async with hostile.app.router.lifespan_context(hostile.app):  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=hostile)
        async with httpx.AsyncClient(transport=transport, base_url=SERVER) as http:
            yield Operator(services, hostile, http)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Operator]:
    async for found in operator(tmp_path, "server"):
        yield found


@pytest.fixture
async def twin(tmp_path: Path) -> AsyncIterator[Operator]:
    """A second database behind the same key and origin: the other branch of a fork."""
    async for found in operator(tmp_path, "twin"):
        yield found


async def check(http: httpx.AsyncClient, home: Path) -> tlog.Accepted:
    """What `sealbox transparency verify` does: pin on first use, then accept the checkpoint."""
    api, trust = Api(http), LogTrust(home)
    log = trust.get(SERVER) or trust.pin(SERVER, await tlog.fetch_key(api))
    return await tlog.accept_checkpoint(api, trust, SERVER, log)


async def refused(http: httpx.AsyncClient, home: Path, code: ErrorCode) -> str:
    before = LogTrust(home).get(SERVER)
    with pytest.raises(IntegrityError) as caught:
        await check(http, home)
    assert caught.value.code == code
    assert LogTrust(home).get(SERVER) == before  # the accepted checkpoint is kept
    return str(caught.value)


async def test_A60_server_tampers_with_a_log_entry(server: Operator, tmp_path: Path) -> None:
    server.append(5)
    cp = (await check(server.http, tmp_path / "reader")).checkpoint

    def upheld_instead(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        entry = json.loads(b64decode(body["entries"][0]))
        entry["category"] = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
        raw = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
        body["entries"][0] = b64encode(raw)
        return json.dumps(body).encode()

    server.hostile.on("GET", "/v1/transparency/entries", upheld_instead)
    api = Api(server.http)
    with pytest.raises(IntegrityError, match="entry 2 is not in the log of 5") as one:
        await tlog.fetch_proven_entries(api, cp, 2, 3)
    with pytest.raises(IntegrityError, match="do not hash to its signed root") as whole:
        await tlog.fetch_proven_entries(api, cp, 0, 5)
    assert one.value.code == whole.value.code == ErrorCode.FORK
    server.hostile.clear()
    assert len(await tlog.fetch_proven_entries(api, cp, 0, 5)) == 5


async def test_A61_server_rewrites_a_checkpoint_for_the_same_size(
    server: Operator, tmp_path: Path
) -> None:
    server.append(5)
    home = tmp_path / "reader"
    await check(server.http, home)
    server.sql("UPDATE transparency SET leaf_hash = :h WHERE idx = 3", h=b"\x07" * 32)
    server.sql("DELETE FROM transparency_checkpoints")
    server.resign()
    message = await refused(server.http, home, ErrorCode.FORK)
    assert "two different roots for the same size" in message


async def test_A61_server_rewrites_history_behind_a_longer_log(
    server: Operator, tmp_path: Path
) -> None:
    server.append(5)
    home = tmp_path / "reader"
    await check(server.http, home)
    server.sql("UPDATE transparency SET leaf_hash = :h WHERE idx = 1", h=b"\x07" * 32)
    server.append(3)
    server.resign()
    message = await refused(server.http, home, ErrorCode.FORK)
    assert "does not extend the one of 5 that was seen" in message


async def test_A62_server_shows_two_clients_a_forked_log(
    server: Operator, twin: Operator, tmp_path: Path
) -> None:
    for side in (server, twin):
        side.append(3)  # the same history so far: the same entries at the same times
    server.append(1, "erasure")
    twin.append(1, "data_export")
    first, second = tmp_path / "first", tmp_path / "second"
    one = (await check(server.http, first)).checkpoint
    two = (await check(twin.http, second)).checkpoint
    assert (one.size, one.origin) == (two.size, two.origin) and one.root != two.root
    # Both branches are signed by the one key. Whichever the operator shows next, the client
    # that saw the other branch refuses it, even once it has grown.
    for side in (server, twin):
        side.append(2)
    assert "two different roots" not in await refused(server.http, second, ErrorCode.FORK)
    await refused(twin.http, first, ErrorCode.FORK)
    assert (await check(server.http, first)).checkpoint.size == 6


async def test_A63_server_signs_a_checkpoint_with_another_key(
    server: Operator, tmp_path: Path
) -> None:
    server.append(2)
    home = tmp_path / "reader"
    await check(server.http, home)
    server.append(1)
    stranger = NoteSigner(b"\x09" * 32)
    other = NoteKey("sealbox.test/transparency", stranger.public_key)

    def resigned(exchange: Exchange) -> bytes:
        lines = exchange.body.decode().split("\n")
        root = base64.b64decode(lines[2])
        forged = Checkpoint("sealbox.test/transparency", int(lines[1]) + 5, root)
        return sign_checkpoint(forged, other, stranger.sign)

    server.hostile.on("GET", "/v1/transparency/checkpoint", resigned)
    message = await refused(server.http, home, ErrorCode.BAD_SIGNATURE)
    assert "no signature by the log key" in message
    # Announcing the other key changes nothing: a pinned key is never replaced.
    server.hostile.on("GET", "/v1/transparency/key", lambda _: json.dumps(
        {"origin": other.name, "key": other.text()}).encode())  # fmt: skip
    with pytest.raises(ValueError, match="another log key is pinned"):
        LogTrust(home).pin(SERVER, await tlog.fetch_key(Api(server.http)))
    await refused(server.http, home, ErrorCode.BAD_SIGNATURE)


async def test_A63_server_sends_a_signature_that_does_not_verify(
    server: Operator, tmp_path: Path
) -> None:
    server.append(1)
    home = tmp_path / "reader"
    await check(server.http, home)

    def flipped(exchange: Exchange) -> bytes:
        body = bytearray(exchange.body)
        body[body.index(b"\n") + 1] ^= 0x01  # the size line: "1" becomes "0"
        return bytes(body)

    server.hostile.on("GET", "/v1/transparency/checkpoint", flipped)
    assert "does not verify" in await refused(server.http, home, ErrorCode.BAD_SIGNATURE)


async def test_A64_server_shrinks_the_log(server: Operator, tmp_path: Path) -> None:
    server.append(6)
    home = tmp_path / "reader"
    await check(server.http, home)
    server.sql("DELETE FROM transparency WHERE idx >= 4")
    server.sql("DELETE FROM transparency_checkpoints")
    server.resign()
    assert "shrank from 6 to 4 entries" in await refused(server.http, home, ErrorCode.ROLLBACK)


async def test_a_canary_that_stopped_is_reported_as_lapsed(server: Operator, tmp_path: Path) -> None:
    cp = (await check(server.http, tmp_path / "reader")).checkpoint
    api = Api(server.http)
    assert tlog.canary_lapsed(await tlog.latest_canary(api, cp), date(2027, 1, 15)) == (
        "the log holds no warrant canary"
    )
    server.services.compliance.log_jobs.canary("No secret orders.")
    server.append(2)
    cp = (await check(server.http, tmp_path / "reader")).checkpoint
    canary = await tlog.latest_canary(api, cp)
    assert canary is not None and canary.index == 0
    assert tlog.canary_lapsed(canary, date(2027, 1, 22)) is None
    assert "due by 2027-01-22" in str(tlog.canary_lapsed(canary, date(2027, 1, 23)))
