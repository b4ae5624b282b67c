# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A52-A54: attacks on notice and action by people other than the server
(spec/compliance.md): a notifier flooding notices or sending unfounded ones (DSA Art. 23), a link
key handed over inside a submitted URL, and an operator token and a user session taken for each
other."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from sealbox.server.app import build_services, create_app
from sealbox.server.db.schema import metadata
from sealbox.server.settings import ComplianceSettings, Settings
from sealbox.testing.http_api import RawApi, ok
from tests.server.compliance_world import KEY, build, e, file_notice, notice, url
from tests.server.conftest import FakeClock, Server

pytestmark = pytest.mark.anyio


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Server]:
    """The real server app on SQLite, with a low misuse threshold to reach in a test."""
    settings = Settings(
        data_dir=tmp_path / "data", secret=bytes(range(32)),
        compliance=ComplianceSettings(misuse_rejections=2, notices_per_hour=5),
    )  # fmt: skip
    clock = FakeClock()
    services = build_services(settings, clock=clock)
    app = create_app(services, background_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sealbox.test") as http:
            yield Server(services, http, RawApi(http), clock, tmp_path / "data")


async def test_A52_a_notifier_floods_notices(desk: Server) -> None:
    world = await build(desk)
    for n in range(5):
        body = notice([world.file_link], "link", works=[f"work {n}"])
        ok(await desk.client.post("/v1/notices", json=body))
    flood = await desk.client.post("/v1/notices", json=notice([world.file_link], "link"))
    assert flood.status_code == 429 and flood.json()["error"] == "too_many_attempts"
    assert (await desk.client.post(f"/v1/links/{e(world.file_link)}/open")).status_code == 200


async def test_A52_a_notifier_keeps_sending_unfounded_notices(desk: Server) -> None:
    world = await build(desk)
    for n in range(2):
        body = notice([world.file_link], "link", works=[f"not ours {n}"])
        case = ok(await desk.client.post("/v1/notices", json=body))["notice_id"]
        ok(await desk.client.post(f"/v1/admin/cases/{case}/reject", headers=world.op))
    refused = await desk.client.post("/v1/notices", json=notice([world.file_link], "link"))
    assert refused.status_code == 403
    assert (await desk.client.post(f"/v1/links/{e(world.file_link)}/open")).status_code == 200


async def test_A53_a_submitted_url_carries_the_link_key(
    desk: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await build(desk)
    await file_notice(desk, world, [world.file_link], "link")
    report = {"category": "other_illegal", "url": url(world.bob_link), "description": "bad"}
    ok(await desk.client.post("/v1/abuse-reports", json=report))
    dumped = []
    with desk.services.engine.connect() as conn:
        for table in metadata.sorted_tables:
            dumped.extend(repr(tuple(r)) for r in conn.execute(select(table)))
    state = "\n".join(dumped)
    assert "legal@rights.example" in state  # the dump does hold the notice
    assert KEY not in state and "SECRETLINKKEY" not in state
    assert "SECRETLINKKEY" not in caplog.text
    for path in desk.data_dir.rglob("*"):
        if path.is_file():
            assert b"SECRETLINKKEY" not in path.read_bytes(), path


async def test_A54_an_operator_token_and_a_session_taken_for_each_other(desk: Server) -> None:
    world = await build(desk)
    as_user = await desk.client.get("/v1/admin/cases", headers=world.alice.headers)
    assert as_user.status_code == 401
    session_as_operator = {"Authorization": f"Operator {world.alice.token}"}
    assert (
        await desk.client.get("/v1/admin/cases", headers=session_as_operator)
    ).status_code == 401
    operator_as_user = {"Authorization": world.op["Authorization"].replace("Operator", "Bearer")}
    assert (await desk.client.get("/v1/account", headers=operator_as_user)).status_code == 401
    operator_as_flagger = {
        "Authorization": world.op["Authorization"].replace("Operator", "Flagger")
    }
    flagged = await desk.client.post(
        "/v1/notices", json=notice([world.file_link], "link"), headers=operator_as_flagger
    )
    assert flagged.status_code == 401
