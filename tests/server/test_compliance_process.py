# SPDX-License-Identifier: AGPL-3.0-or-later
"""Notices from intake to appeal (issue 16): bad input gets a clear 4xx, counter-notices restore
inside the business-day window and never before it, strikes suspend repeat infringers, appeals
are decided by a named operator, and no link key reaches server state or logs."""

import json
import logging
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from sealbox.server.db.compliance_tables import audit_log, outbox
from sealbox.server.db.schema import metadata, nodes
from sealbox.server.settings import ComplianceSettings
from sealbox.testing.http_api import file_put, new_id, ok
from tests.server.compliance_world import (
    KEY,
    World,
    build,
    e,
    file_notice,
    link_status,
    make_link,
    notice,
    url,
)
from tests.server.conftest import Server
from tests.server.test_transfers import CHUNK, open_body

pytestmark = pytest.mark.anyio

COUNTER = {
    "signature": "Alice A.", "name": "Alice A.", "address": "1 Main St", "phone": "+1 555 0100",
    "statement_under_penalty": True, "consent_to_jurisdiction": True, "accepts_service": True,
}  # fmt: skip


async def test_bad_notices_get_clear_refusals(server: Server) -> None:
    world = await build(server)
    lacking = notice([world.file_link], "link", signature="", good_faith=False)
    got = ok(await server.client.post("/v1/notices", json=lacking))
    assert got["state"] == "incomplete" and got["missing"] == ["signature", "good_faith"]
    assert (await link_status(server, world.file_link))[0] == 200  # nothing taken down
    foreign = notice([world.file_link], "link")
    foreign["locators"] = [f"https://elsewhere.example/l/{e(world.file_link)}#{KEY}"]
    refused = await server.client.post("/v1/notices", json=foreign)
    assert refused.status_code == 422 and refused.json()["error"] == "not_our_url"
    assert KEY not in refused.text
    complete = notice([world.bob_link], "link")
    ok(await server.client.post("/v1/notices", json=complete))
    again = await server.client.post("/v1/notices", json=complete)
    assert again.status_code == 409 and again.json()["error"] == "duplicate_notice"
    await file_notice(server, world, [world.folder_link], "link")
    gone = await server.client.post("/v1/notices", json=notice([world.folder_link], "file"))
    assert gone.status_code == 410 and gone.json()["error"] == "link_removed"
    huge = await server.client.post(
        "/v1/notices", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert huge.status_code == 413 and huge.json()["error"] == "body_too_large"


async def test_a_resend_completes_an_incomplete_notice_and_its_clock_starts_then(
    server: Server,
) -> None:
    world = await build(server)
    server.clock.t = at(2027, 3, 1, 9)
    lacking = notice([world.file_link], "link", signature="", works=[])
    first = ok(await server.client.post("/v1/notices", json=lacking))
    assert first["state"] == "incomplete" and first["missing"] == ["signature", "works"]
    server.clock.t = at(2027, 3, 2, 9)
    still = ok(await server.client.post("/v1/notices", json={**lacking, "signature": "Jane Doe"}))
    assert still["notice_id"] == first["notice_id"] and still["missing"] == ["works"]
    server.clock.t = at(2027, 3, 3, 9)
    resend = notice([world.file_link], "file")
    done = ok(await server.client.post("/v1/notices", json=resend))
    assert done["notice_id"] == first["notice_id"]
    assert done["state"] == "received" and done["missing"] == []
    # The completed notice is a duplicate from now on: it is open and complete.
    again = await server.client.post("/v1/notices", json=resend)
    assert again.status_code == 409 and again.json()["error"] == "duplicate_notice"
    listed = ok(await server.client.get("/v1/admin/cases", headers=world.op))["cases"]
    assert [c["case_id"] for c in listed] == [first["notice_id"]]
    (case,) = listed
    assert case["state"] == "received" and case["scope"] == "file" and case["missing"] == []
    assert case["received_at"] == int(at(2027, 3, 3, 9))  # when it arrived complete
    server.clock.t = at(2027, 3, 3, 10)
    path = f"/v1/admin/cases/{first['notice_id']}/act"
    assert ok(await server.client.post(path, headers=world.op))["state"] == "actioned"
    log = server.services.compliance.log
    found = [json.loads(raw) for raw in log.entries(0, log.size())]
    assert [x["kind"] for x in found] == ["notice", "decision"]  # one notice, not three
    assert found[0]["at"] == "2027-03-01T09:00Z" and found[1]["received"] == "2027-03-03T09:00Z"


async def test_only_the_same_notifier_naming_the_same_links_completes_a_notice(
    server: Server,
) -> None:
    world = await build(server)
    token = server.services.compliance.operators.issue("flaggy", "flagger", "test-setup")
    flagger = {"Authorization": f"Flagger {token}"}
    lacking = notice([world.file_link], "link", signature="")
    flagged = ok(await server.client.post("/v1/notices", json=lacking, headers=flagger))
    assert flagged["state"] == "incomplete" and flagged["priority"] == "high"
    # An anonymous sender with the same contact does not rewrite the trusted flagger's notice,
    anonymous = notice([world.file_link], "link", works=["Another Song (2026)"])
    other = ok(await server.client.post("/v1/notices", json=anonymous))
    assert other["notice_id"] != flagged["notice_id"] and other["priority"] == "normal"
    # nor does a notice naming other links, or one from another contact.
    more = notice([world.file_link, world.bob_link], "link")
    assert (
        ok(await server.client.post("/v1/notices", json=more, headers=flagger))["notice_id"]
        != flagged["notice_id"]
    )
    elsewhere = notice([world.file_link], "link")
    elsewhere["notifier"] = {**elsewhere["notifier"], "contact": "other@rights.example"}
    assert (
        ok(await server.client.post("/v1/notices", json=elsewhere, headers=flagger))["notice_id"]
        != flagged["notice_id"]
    )
    mine = f"/v1/admin/cases/{flagged['notice_id']}"
    assert ok(await server.client.get(mine, headers=world.op))["state"] == "incomplete"
    completed = ok(
        await server.client.post(
            "/v1/notices", json=notice([world.file_link], "link"), headers=flagger
        )
    )
    assert completed["notice_id"] == flagged["notice_id"] and completed["state"] == "received"


async def test_a_flood_from_one_notifier_is_rate_limited(server: Server) -> None:
    world = await build(server)
    for n in range(20):
        body = notice([world.file_link], "link", works=[f"work {n}"])
        ok(await server.client.post("/v1/notices", json=body))
    flood = await server.client.post("/v1/notices", json=notice([world.file_link], "link"))
    assert flood.status_code == 429 and flood.json()["error"] == "too_many_attempts"


def at(y: int, m: int, d: int, h: int = 12) -> float:
    return datetime(y, m, d, h, tzinfo=UTC).timestamp()


async def test_counter_notice_restores_inside_the_window_never_before(server: Server) -> None:
    server.clock.t = at(2026, 12, 21)  # Monday before Christmas
    world = await build(server)
    case = await file_notice(server, world, [world.file_link], "file")
    mine = ok(await server.client.get("/v1/notices/mine", headers=world.alice.headers))
    assert [c["case_id"] for c in mine["cases"]] == [e(case)]
    shown = ok(await server.client.get(f"/v1/notices/mine/{e(case)}", headers=world.alice.headers))
    assert shown["decision"]["category"] == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    path = f"/v1/notices/mine/{e(case)}/counter"
    partial = await server.client.post(path, json={**COUNTER, "phone": ""},
                                       headers=world.alice.headers)  # fmt: skip
    assert partial.status_code == 422 and "phone" in partial.json()["message"]
    window = ok(await server.client.post(path, json=COUNTER, headers=world.alice.headers))
    # 10th US business day after 2026-12-21 is 2027-01-06; the 14th is 2027-01-12.
    assert window["restore_not_before"] == at(2027, 1, 6, 0)
    assert window["restore_not_after"] == at(2027, 1, 13, 0) - 1
    with server.services.engine.connect() as conn:
        sent = conn.execute(select(outbox)).all()
    assert [m.channel for m in sent] == ["legal@rights.example"]
    run = "/v1/admin/restorations:run"
    for day in (at(2026, 12, 31), at(2027, 1, 5, 23)):
        server.clock.t = day
        assert ok(await server.client.post(run, headers=world.op))["restored"] == []
        assert (await link_status(server, world.file_link))[0] == 410
    server.clock.t = at(2027, 1, 6, 9)
    assert ok(await server.client.post(run, headers=world.op))["restored"] == [e(case)]
    assert server.clock.t <= window["restore_not_after"]
    for link in (world.file_link, world.bob_link):
        assert (await link_status(server, link))[0] == 200


async def test_court_action_keeps_the_content_down(server: Server) -> None:
    world = await build(server)
    case = await file_notice(server, world, [world.file_link], "link")
    path = f"/v1/notices/mine/{e(case)}/counter"
    ok(await server.client.post(path, json=COUNTER, headers=world.alice.headers))
    ok(await server.client.post(f"/v1/admin/cases/{e(case)}/court-action", headers=world.op))
    server.clock.advance(30 * 86400)
    assert ok(await server.client.post("/v1/admin/restorations:run", headers=world.op)) == {
        "restored": []
    }
    assert (await link_status(server, world.file_link))[0] == 410


async def strike(server: Server, world: World) -> bytes:
    link = await make_link(server, world.alice, world.file)
    return await file_notice(server, world, [link], "link")


async def test_third_strike_in_six_months_suspends(server: Server) -> None:
    world = await build(server)
    for _ in range(2):
        await strike(server, world)
        server.clock.advance(60 * 86400)
    assert await make_link(server, world.alice, world.file)  # still allowed
    chunk = os.urandom(CHUNK + 16)
    upload = new_id()
    ok(await server.client.post("/v1/uploads", json=open_body(upload, [chunk]),
                                headers=world.alice.headers))  # fmt: skip
    await strike(server, world)
    report = ok(await server.client.get(f"/v1/admin/strikes/{e(world.alice.user_id)}",
                                        headers=world.op))  # fmt: skip
    assert report["counting"] == 3 and report["status"] == "suspended"
    # A suspended account signs in to see why, reads (exports) and appeals; nothing else.
    await server.api.login(world.alice)
    assert (await server.client.get("/v1/notices/mine", headers=world.alice.headers)).is_success
    got = await server.client.get(f"/v1/contents/{e(world.content)}", headers=world.alice.headers)
    assert got.status_code == 200
    refused = await server.api.tx(world.alice, manifests=[world.alice.root_id])
    assert refused.status_code == 403 and refused.json()["error"] == "account_suspended"
    # Nor can she go on with an upload she opened before (the chunk route reads the account's
    # restriction in the transaction that authenticates it).
    refused = await server.client.put(f"/v1/uploads/{e(upload)}/chunks/0", content=chunk,
                                      headers=world.alice.headers)  # fmt: skip
    assert refused.status_code == 403 and refused.json()["error"] == "account_suspended"
    # Her links are out of service while she is suspended.
    assert (await link_status(server, world.folder_link))[1]["reason"] == "account_suspended"


async def test_a_strike_outside_the_window_does_not_count(server: Server) -> None:
    world = await build(server)
    await strike(server, world)
    server.clock.advance(200 * 86400)
    await strike(server, world)
    await strike(server, world)
    report = ok(await server.client.get(f"/v1/admin/strikes/{e(world.alice.user_id)}",
                                        headers=world.op))  # fmt: skip
    assert report["counting"] == 2 and report["status"] is None


async def test_an_overturned_strike_does_not_count(server: Server) -> None:
    world = await build(server)
    first = await strike(server, world)
    await strike(server, world)
    appeal = ok(await server.client.post("/v1/appeals", json={"case_id": e(first),
                "reason": "I own the rights"}, headers=world.alice.headers))  # fmt: skip
    assert appeal["state"] == "open"
    # Appeals are never decided automatically: the strike still counts until a person decides.
    decide = f"/v1/admin/appeals/{appeal['appeal_id']}/decide"
    granted = ok(await server.client.post(decide, json={"outcome": "grant", "reason": "licence"},
                                          headers=world.op))  # fmt: skip
    assert granted["state"] == "granted" and granted["decided_by"] == "olga"
    await strike(server, world)
    report = ok(await server.client.get(f"/v1/admin/strikes/{e(world.alice.user_id)}",
                                        headers=world.op))  # fmt: skip
    assert report["counting"] == 2 and report["status"] is None
    with server.services.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_log))]
    assert "appeal_granted" in actions and actions.count("act") == 3


async def test_operator_routes_take_operator_tokens_only(server: Server) -> None:
    world = await build(server)
    as_user = await server.client.get("/v1/admin/cases", headers=world.alice.headers)
    assert as_user.status_code == 401
    session_as_operator = {"Authorization": f"Operator {world.alice.token}"}
    assert (
        await server.client.get("/v1/admin/cases", headers=session_as_operator)
    ).status_code == 401
    operator_as_user = {"Authorization": world.op["Authorization"].replace("Operator", "Bearer")}
    assert (await server.client.get("/v1/account", headers=operator_as_user)).status_code == 401


async def test_trusted_flagger_notices_come_first(server: Server) -> None:
    world = await build(server)
    ok(await server.client.post("/v1/notices", json=notice([world.bob_link], "link")))
    issued = ok(await server.client.post("/v1/admin/flaggers", json={"name": "hotline"},
                                         headers=world.op))  # fmt: skip
    flagged = {"Authorization": f"Flagger {issued['token']}"}
    receipt = ok(await server.client.post("/v1/notices", json=notice([world.file_link], "link"),
                                          headers=flagged))  # fmt: skip
    assert receipt["priority"] == "high"
    queue = ok(await server.client.get("/v1/admin/cases", headers=world.op))["cases"]
    assert queue[0]["case_id"] == receipt["notice_id"]
    await server.client.delete("/v1/admin/flaggers/hotline", headers=world.op)
    revoked = await server.client.post("/v1/notices", json=notice([world.folder_link], "link"),
                                       headers=flagged)  # fmt: skip
    assert revoked.status_code == 401


async def test_no_link_key_in_server_state_or_logs(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await build(server)
    case = await file_notice(server, world, [world.file_link], "link")
    report = {"category": "other_illegal", "url": url(world.bob_link), "description": "bad"}
    ok(await server.client.post("/v1/abuse-reports", json=report))
    ok(await server.client.post(f"/v1/notices/mine/{e(case)}/counter", json=COUNTER,
                                headers=world.alice.headers))  # fmt: skip
    ok(await server.client.post("/v1/appeals", json={"case_id": e(case), "reason": "mine"},
                                headers=world.alice.headers))  # fmt: skip
    dumped = []
    with server.services.engine.connect() as conn:
        for table in metadata.sorted_tables:
            dumped.extend(repr(tuple(r)) for r in conn.execute(select(table)))
    state = "\n".join(dumped)
    assert "legal@rights.example" in state  # the dump does hold the compliance records
    assert KEY not in state and "SECRETLINKKEY" not in state
    assert "SECRETLINKKEY" not in caplog.text
    for path in server.data_dir.rglob("*"):
        if path.is_file():
            assert b"SECRETLINKKEY" not in path.read_bytes(), path


async def test_an_upheld_abuse_report_closes_the_uploader_and_resharers(server: Server) -> None:
    world = await build(server)
    carol = await server.api.signup("carol")
    put = {**file_put(new_id(), carol.root_id, world.content), "via_link": e(world.file_link)}
    ok(await server.api.tx(carol, manifests=[carol.root_id], puts=[put]))
    body = {"category": "csam", "url": url(world.file_link), "description": "reported"}
    report = ok(await server.client.post("/v1/abuse-reports", json=body))["report_id"]
    status, pending = await link_status(server, world.file_link)
    assert status == 410 and pending["reason"] == "abuse_review"  # disabled at once
    upheld = ok(await server.client.post(f"/v1/admin/abuse-reports/{report}/uphold",
                                         headers=world.op))  # fmt: skip
    assert upheld["state"] == "upheld"
    assert upheld["decision"]["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    for closed in (world.alice, world.bob):  # the uploader, and bob who shared it on
        refused = await server.api.tx(closed, manifests=[closed.root_id])
        assert refused.json()["error"] == "account_suspended"
    assert (await server.api.tx(carol, manifests=[carol.root_id])).status_code == 200
    warned = ok(await server.client.get("/v1/notices/mine", headers=carol.headers))["cases"]
    assert [c["case_id"] for c in warned] == [report]
    with server.services.engine.connect() as conn:
        left = conn.execute(select(nodes).where(nodes.c.content_id == world.content)).all()
    assert left == []


async def test_scope_everywhere_still_counts_the_strike(server: Server) -> None:
    world = await build(server)
    await file_notice(server, world, [world.file_link], "everywhere")
    report = ok(await server.client.get(f"/v1/admin/strikes/{e(world.alice.user_id)}",
                                        headers=world.op))  # fmt: skip
    assert report["counting"] == 1


@pytest.mark.parametrize("settings_extra", [
    {"compliance": ComplianceSettings(misuse_rejections=2)}])  # fmt: skip
async def test_a_notifier_with_rejected_notices_is_not_heard(server: Server) -> None:
    world = await build(server)
    for n in range(2):
        body = notice([world.file_link], "link", works=[f"not ours {n}"])
        case = ok(await server.client.post("/v1/notices", json=body))["notice_id"]
        ok(await server.client.post(f"/v1/admin/cases/{case}/reject", headers=world.op))
    refused = await server.client.post("/v1/notices", json=notice([world.file_link], "link"))
    assert refused.status_code == 403 and "unfounded" in refused.json()["message"]
    other = notice([world.file_link], "link")
    other["notifier"] = {"name": "Someone", "contact": "other@rights.example", "role": "principal"}
    assert (await server.client.post("/v1/notices", json=other)).status_code == 201
