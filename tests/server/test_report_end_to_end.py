# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 17's acceptance, end to end: half a year of activity driven through the server's real
routes and services with a fake clock (notices from the API and a trusted flagger, takedowns in
each scope, counter-notices restored after the business-day window and one met by court action,
strikes that suspend, an abuse report upheld with a closure, appeals granted and denied, requests
for data of several types, countries and outcomes, data exports, an erasure, and the daily
census and weekly canary as the days pass). The operator's ``admin report`` code writes the
report; the reader's client (``check_report``) recomputes every figure from entries it fetched
with inclusion proofs: all match, and figures the test can count itself are what it counted.
Then a tampered entry, a rewritten checkpoint and an edited figure are each caught. (A forked
log is tests/hostile/test_transparency_log.py.)

Notices typed into the web form use the same route as programs (spec/transparency.md
§Entries), so they count as ``api``; this test sends them that way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sealbox.client.sdk.api import Api
from sealbox.client.sdk.log_trust import LogTrust, TrustedLog
from sealbox.client.sdk.report_check import ReportCheck, check_report
from sealbox.compliance.report import loads
from sealbox.compliance.report.document import figures_of
from sealbox.compliance.requests import Outcome
from sealbox.crypto.errors import IntegrityError
from sealbox.server.report_cli import report as admin_report
from sealbox.server.settings import ComplianceSettings
from sealbox.testing.http_api import Account, b64encode, ok
from sealbox.tlog import NoteKey
from tests.server.compliance_world import World, build, make_link, notice, url
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio
START = datetime(2027, 1, 4, 9, tzinfo=UTC).timestamp()
END = datetime(2027, 7, 1, tzinfo=UTC).timestamp()
DAY = 86400
HOUR = 3600
HOST = "http://sealbox.test"
COUNTER = {
    "signature": "A", "name": "A", "address": "1 Main St", "phone": "+1 555 0100",
    "statement_under_penalty": True, "consent_to_jurisdiction": True, "accepts_service": True,
}  # fmt: skip


@pytest.fixture
def settings_extra() -> dict[str, object]:
    return {"compliance": ComplianceSettings(canary_statement="No secret orders so far.")}


class Half:
    """The six months, driven day by day: each day the census (and each week the canary)."""

    def __init__(self, server: Server, world: World) -> None:
        self.server, self.world = server, world
        self.acted = 0  # copyright notices acted on
        self.notices = 0  # notices and abuse reports received
        self.canaries = 0  # canaries appended in the half year

    async def days(self, n: int) -> None:
        for _ in range(n):
            self.server.clock.advance(DAY)
            self.jobs()

    def jobs(self) -> None:
        done = self.server.services.compliance.log_jobs.run()
        if self.server.clock.now() < END:
            self.canaries += done.count("canary")

    async def notify(self, links: list[bytes], scope: str, flagger: str | None = None) -> str:
        headers = {"Authorization": f"Flagger {flagger}"} if flagger else {}
        body = notice(links, scope, works=[f"work {self.notices}"])
        got = ok(await self.server.client.post("/v1/notices", json=body, headers=headers))
        self.notices += 1
        return str(got["notice_id"])

    async def step(self, case: str, step: str) -> dict[str, Any]:
        path = f"/v1/admin/cases/{case}/{step}"
        done: dict[str, Any] = ok(await self.server.client.post(path, headers=self.world.op))
        self.acted += step == "act"
        return done

    async def taken_down(self, links: list[bytes], scope: str, flagger: str | None = None) -> str:
        case = await self.notify(links, scope, flagger)
        self.server.clock.advance(5 * HOUR)
        await self.step(case, "act")
        return case

    async def counter(self, owner: Account, case: str) -> None:
        path = f"/v1/notices/mine/{case}/counter"
        ok(await self.server.client.post(path, json=COUNTER, headers=owner.headers))

    async def appeal(self, owner: Account, case: str, outcome: str) -> None:
        body = {"case_id": case, "reason": "I own the rights"}
        got = ok(await self.server.client.post("/v1/appeals", json=body, headers=owner.headers))
        self.server.clock.advance(2 * DAY)
        decide = f"/v1/admin/appeals/{got['appeal_id']}/decide"
        verdict = {"outcome": outcome, "reason": "looked at it"}
        ok(await self.server.client.post(decide, json=verdict, headers=self.world.op))


async def drive_takedowns(half: Half, server: Server, world: World) -> None:
    """Copyright notices in every scope, counter-notices, strikes, appeals, a rejection."""
    flagger = server.services.compliance.operators.issue("fiona", "flagger", "olga")
    dave = await server.api.signup("dave")
    folder = await server.api.mkdir(dave, dave.root_id)
    await server.api.put_small_file(dave, folder, b"d" * 64)
    loose, _ = await server.api.put_small_file(dave, dave.root_id, b"e" * 64)
    first = await half.taken_down([await make_link(server, world.alice, world.file)], "link")
    await half.counter(world.alice, first)
    await half.days(20)  # the business-day window passes before the restoration job runs
    restored = ok(await server.client.post("/v1/admin/restorations:run", headers=world.op))
    assert restored["restored"] == [first]
    second = await half.taken_down(
        [await make_link(server, world.alice, world.file)], "link", flagger
    )
    await half.counter(world.alice, second)
    await half.days(3)
    await half.step(second, "court-action")
    await half.days(10)
    third = await half.taken_down([await make_link(server, world.alice, world.file)], "link")
    await half.days(4)
    fourth = await half.taken_down([await make_link(server, world.alice, world.file)], "link")
    await half.days(6)
    await half.appeal(world.alice, fourth, "grant")
    await half.days(9)
    await half.taken_down([world.bob_link], "file", flagger)
    await half.days(5)
    await half.taken_down(
        [await make_link(server, dave, folder)], "file"
    )  # entered as scope folder
    await half.days(7)
    everywhere = await half.taken_down([await make_link(server, dave, loose)], "everywhere")
    await half.appeal(dave, everywhere, "deny")
    await half.days(8)
    rejected = await half.notify([world.folder_link], "link")
    await half.step(rejected, "reject")
    assert third


async def drive_abuse(half: Half, server: Server, world: World) -> None:
    carol = await server.api.signup("carol")
    carol_file, _ = await server.api.put_small_file(carol, carol.root_id, b"y" * 64)
    body = {"category": "csam", "url": url(await make_link(server, carol, carol_file)),
            "description": "reported"}  # fmt: skip
    found = ok(await server.client.post("/v1/abuse-reports", json=body))
    half.notices += 1
    server.clock.advance(2 * HOUR)
    step = f"/v1/admin/abuse-reports/{found['report_id']}/uphold"
    ok(await server.client.post(step, headers=world.op))


REQUESTS = [  # type, country, offence, account, outcome, hours to answer
    ("law_enforcement", "US", "fraud", "bob", Outcome.PROVIDED, 50),
    ("law_enforcement", "FR", "fraud", None, Outcome.MLA_REFERRED, 10),
    ("law_enforcement", "US", "harassment", "bob", Outcome.NO_DATA, 20),
    ("court_order", "US", "copyright", None, Outcome.DECLINED, 30),
    ("private", "US", "copyright", "bob", Outcome.DECLINED, 4),
]


async def drive_requests(half: Half, server: Server) -> list[float]:
    """Requests for user data; returns the law-enforcement response times in hours."""
    svc = server.services.compliance.requests
    police = []
    for kind, country, offence, account, outcome, hours in REQUESTS:
        fields = {"type": kind, "country": country, "authority": "Some Authority",
                  "instrument": "order 26-117", "offence": offence,
                  "data_asked": "subscriber records"}  # fmt: skip
        received = svc.add(fields, account, "olga")
        server.clock.advance(HOUR)
        svc.validate(received.request_id, "olga")
        svc.notify_due()
        server.clock.advance((hours - 1) * HOUR)
        disclosed = "username" if outcome in (Outcome.PROVIDED, Outcome.PARTLY_PROVIDED) else ""
        svc.answer(received.request_id, outcome, disclosed, "olga")
        if kind == "law_enforcement":
            police.append(float(hours))
        await half.days(3)
    return police


async def drive_accounts(half: Half, server: Server, world: World) -> None:
    for owner in (world.bob, world.bob):
        ok(await server.client.get("/v1/account/export", headers=owner.headers))
        await half.days(6)
    erin = await server.api.signup("erin")
    body = {"auth_key": b64encode(erin.auth_key)}
    gone = await server.client.post("/v1/account/delete", json=body, headers=erin.headers)
    assert gone.status_code == 204, gone.text


def figure(document: dict[str, Any], id_: str) -> Any:
    return figures_of(document)[id_]["value"]


def values(document: dict[str, Any], prefix: str, names: str) -> list[Any]:
    return [figure(document, f"{prefix}.{name}") for name in names.split()]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


async def test_half_a_year_through_the_routes_reports_figures_the_log_recomputes(
    server: Server, db_url: str, tmp_path: Path
) -> None:
    server.clock.t = START
    world = await build(server)
    half = Half(server, world)
    half.jobs()
    await drive_takedowns(half, server, world)
    await drive_abuse(half, server, world)
    police = await drive_requests(half, server)
    await drive_accounts(half, server, world)
    assert server.clock.now() < END
    while server.clock.now() < END + DAY:
        await half.days(1)
    signed = await server.client.get("/v1/transparency/checkpoint")  # the server signs its log
    assert signed.status_code == 200
    out = tmp_path / "published"
    admin_report(period="2027-H1", out=out, data=server.data_dir, db=db_url)
    report = (out / "report.json").read_bytes()
    document = loads(report)

    api, trust = Api(server.client), LogTrust(tmp_path / "reader")
    key = ok(await server.client.get("/v1/transparency/key"))["key"]
    log = trust.pin(HOST, NoteKey.parse(key))
    checked = await check_report(api, trust, HOST, log, report)
    assert checked.problems == [] and checked.figures == len(figures_of(document))
    accepted = trust.get(HOST)  # the pinned key and the checkpoint it accepted
    assert accepted is not None and accepted.checkpoint is not None

    assert figure(document, "copyright.takedowns") == half.acted == 7
    assert (
        figure(document, "copyright.notices") == 8 and figure(document, "copyright.rejected") == 1
    )
    assert figure(document, "dsa.notices.total") == half.notices == 9
    assert figure(document, "dsa.notices.by_source.trusted_flagger") == 2
    # dave's folder link, named with no file, was disabled as a whole (scope folder, whatever
    # scope was asked); the abuse report's closure reaches everywhere.
    assert values(document, "dsa.actions.by_scope", "link file everywhere folder") == [4, 1, 2, 1]
    assert values(document, "counter_notices", "filed restored court_action") == [2, 1, 1]
    assert figure(document, "accounts.suspended") == 1 and figure(document, "accounts.closed") == 1
    assert figure(document, "dsa.appeals.granted") == figure(document, "dsa.appeals.denied") == 1
    assert figure(document, "requests.law_enforcement") == len(police) == 3
    assert figure(document, "requests.law_enforcement.median_hours") == median(police)
    assert figure(document, "legal_orders.by_outcome.mla_referred") == 1
    assert figure(document, "private_requests.declined") == 1
    assert figure(document, "data_exports") == 2 and figure(document, "erasures") == 1
    assert figure(document, "census.accounts") == 3  # alice, bob, dave (carol closed, erin erased)
    assert figure(document, "log.canaries") == half.canaries >= 25

    await tampering_is_caught(server, Reader(api, trust, accepted), report)


@dataclass
class Reader:
    api: Api
    trust: LogTrust
    log: TrustedLog

    async def check(self, report: bytes) -> ReportCheck:
        return await check_report(self.api, self.trust, HOST, self.log, report)


async def tampering_is_caught(server: Server, reader: Reader, report: bytes) -> None:
    """An edited figure, a rewritten checkpoint and a tampered entry (a forked log:
    tests/hostile/test_transparency_log.py)."""
    # An edited figure is named.
    edited = json.loads(report)
    for section in edited["sections"]:
        for found in section["figures"]:
            if found["id"] == "copyright.takedowns":
                found["value"] = 6
    caught = await reader.check(json.dumps(edited).encode())
    assert caught.problems == ["figure copyright.takedowns says 6, the log gives 7"]
    # A rewritten checkpoint (another root for the report's size) is not part of the log.
    rewritten = json.loads(report)
    rewritten["checkpoint"]["root"] = "07" * 32
    with pytest.raises(IntegrityError, match="is not part of the log"):
        await reader.check(json.dumps(rewritten).encode())
    # A tampered entry (the suspension turned into a reinstatement) fails its inclusion proof.
    entries = server.services.compliance.log.entries(0, 9999)
    at = next(i for i, x in enumerate(entries) if b'"suspended"' in x)
    forged = entries[at].replace(b'"suspended"', b'"reinstated"').replace(b'"strikes"', b'"appeal"')
    with server.services.engine.begin() as conn:
        conn.execute(
            text("UPDATE transparency SET entry = :e WHERE idx = :i"), {"e": forged, "i": at}
        )
    with pytest.raises(IntegrityError, match="one was altered"):
        await reader.check(report)
