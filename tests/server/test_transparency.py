# SPDX-License-Identifier: AGPL-3.0-or-later
"""The transparency log on the server (spec/transparency.md): every append is signed and
provable over the public routes, on SQLite and PostgreSQL; entries hold only the spec's fields;
several servers appending at once leave one gapless log; the census and the canary are
appended on schedule; compliance actions are entered as they happen."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sealbox.crypto.notes import NoteSigner, verify_note
from sealbox.server.app import build_services, create_app
from sealbox.server.blobs.memory import MemoryBlobStore
from sealbox.server.db.engine import make_engine
from sealbox.server.server_keys import ServerKeys
from sealbox.server.services.registry import Services
from sealbox.server.services.transparency import TransparencyLog, encode_entry
from sealbox.server.settings import ComplianceSettings, Settings
from sealbox.tlog import (
    Checkpoint,
    NoteKey,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from tests.server.compliance_world import build, e, file_notice, make_link, url
from tests.server.conftest import SECRET, FakeClock, Server

pytestmark = pytest.mark.anyio
ORIGIN = "sealbox.test/transparency"
NOTICE = {"source": "api", "category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"}


@dataclass
class Log:
    services: Services
    client: httpx.AsyncClient
    clock: FakeClock

    @property
    def log(self) -> TransparencyLog:
        return self.services.compliance.log


def settings_for(tmp_path: Path, db_url: str, **policy: object) -> Settings:
    compliance = ComplianceSettings(public_hosts=("sealbox.test",), **policy)  # type: ignore[arg-type]
    return Settings(data_dir=tmp_path / "data", db_url=db_url, secret=SECRET, compliance=compliance)


@pytest.fixture
async def logged(tmp_path: Path, db_url: str) -> AsyncIterator[Log]:
    """A server with its log key on either database (blobs in memory: the log needs none)."""
    clock = FakeClock()
    services = build_services(
        settings_for(tmp_path, db_url), clock=clock, blobs=MemoryBlobStore(), log_signer=NoteSigner
    )
    app = create_app(services, background_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sealbox.test") as c:
            yield Log(services, c, clock)


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def pinned_key(client: httpx.AsyncClient) -> NoteKey:
    found = (await client.get("/v1/transparency/key")).json()
    assert found["origin"] == ORIGIN
    return NoteKey.parse(found["key"])


async def checkpoint(client: httpx.AsyncClient, key: NoteKey) -> Checkpoint:
    answer = await client.get("/v1/transparency/checkpoint")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return open_checkpoint(answer.content, key, verify_note, ORIGIN)


async def test_each_append_is_signed_and_provable_over_the_routes(logged: Log) -> None:
    key = await pinned_key(logged.client)
    assert key.public_key == NoteSigner(ServerKeys(SECRET).log_seed).public_key
    seen = [await checkpoint(logged.client, key)]
    assert seen[0].size == 0
    for i in range(6):
        logged.clock.advance(61)
        assert logged.log.append("notice", NOTICE) == i
        seen.append(await checkpoint(logged.client, key))
        assert seen[-1].size == i + 1
    got = (await logged.client.get("/v1/transparency/entries?start=0&end=99")).json()
    entries = [b64url(x) for x in got["entries"]]
    assert got["start"] == 0 and len(entries) == 6
    assert json.loads(entries[0]) == {**NOTICE, "v": 1, "kind": "notice", "at": "2027-01-15T08:01Z"}
    for cp in seen[1:]:
        for index in range(cp.size):
            query = f"index={index}&size={cp.size}"
            proof = (await logged.client.get(f"/v1/transparency/proof/inclusion?{query}")).json()
            path = [b64url(h) for h in proof["path"]]
            verify_inclusion(leaf_hash(entries[index]), index, cp.size, path, cp.root)
        for old in seen[1 : cp.size]:
            query = f"from={old.size}&to={cp.size}"
            got = (await logged.client.get(f"/v1/transparency/proof/consistency?{query}")).json()
            assert (got["from"], got["to"]) == (old.size, cp.size)
            proof = [b64url(h) for h in got["proof"]]
            verify_consistency(old.size, cp.size, old.root, cp.root, proof)


async def test_bad_ranges_answer_bad_range(logged: Log) -> None:
    for _ in range(3):
        logged.log.append("notice", NOTICE)
    for query in (
        "entries?start=4&end=9", "entries?start=2&end=1",
        "proof/inclusion?index=3&size=3", "proof/inclusion?index=0&size=4",
        "proof/consistency?from=0&to=2", "proof/consistency?from=3&to=2",
        "proof/consistency?from=1&to=4",
    ):  # fmt: skip
        answer = await logged.client.get(f"/v1/transparency/{query}")
        assert answer.status_code == 400 and answer.json()["error"] == "bad_range", query
    clipped = (await logged.client.get("/v1/transparency/entries?start=1&end=999")).json()
    assert len(clipped["entries"]) == 2


def test_an_entry_holds_exactly_the_fields_of_its_kind() -> None:
    with pytest.raises(ValueError, match="wrong: \\['username'\\]"):
        encode_entry("notice", {**NOTICE, "username": "alice"}, 0)
    with pytest.raises(ValueError, match="wrong: \\['category'\\]"):
        encode_entry("notice", {"source": "api"}, 0)
    with pytest.raises(ValueError, match="no entry kind"):
        encode_entry("downloads", {}, 0)
    with pytest.raises(ValueError, match="plain value"):
        encode_entry("disclosure", {"records": [1, 2]}, 0)
    raw = encode_entry("census", {"accounts": 2, "files": 3, "links": 1}, 86400 * 365)
    assert (
        raw == b'{"accounts":2,"at":"1971-01-01T00:00Z","files":3,"kind":"census","links":1,"v":1}'
    )


def _append_many(url: str, count: int, errors: list[BaseException]) -> None:
    engine = make_engine(url)
    # Another server of the same service: its own engine and process state, the same key.
    log = TransparencyLog(engine, FakeClock(), ORIGIN, NoteSigner(ServerKeys(SECRET).log_seed))
    try:
        for _ in range(count):
            log.append("data_export", {})
    except BaseException as exc:
        errors.append(exc)
    finally:
        engine.dispose()


async def test_servers_appending_at_once_leave_one_gapless_log(logged: Log, db_url: str) -> None:
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_append_many, args=(db_url, 15, errors)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert logged.log.size() == 45
    cp = await checkpoint(logged.client, await pinned_key(logged.client))
    assert cp.size == 45
    entries = logged.log.entries(0, 45)
    assert len(entries) == 45
    proof = (await logged.client.get("/v1/transparency/proof/inclusion?index=44&size=45")).json()
    path = [b64url(h) for h in proof["path"]]
    verify_inclusion(leaf_hash(entries[44]), 44, 45, path, cp.root)


async def test_the_census_and_the_canary_come_on_schedule(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock()
    settings = settings_for(tmp_path, db_url, canary_statement="No secret orders so far.")
    services = build_services(settings, clock=clock, blobs=MemoryBlobStore(), log_signer=NoteSigner)
    jobs = services.compliance.log_jobs
    try:
        assert jobs.run() == ["census", "canary"]
        clock.advance(600)
        assert jobs.run() == []  # the lease is held, and nothing is due yet
        clock.advance(86400)
        assert jobs.run() == ["census"]
        clock.advance(6 * 86400)
        assert jobs.run() == ["census", "canary"]
        raw = services.compliance.log.entries(0, 10)
        canary = json.loads(raw[1])
        assert canary["statement"] == "No secret orders so far." and canary["next"] == "2027-01-22"
        assert json.loads(raw[0])["accounts"] == 0
    finally:
        services.engine.dispose()


async def test_a_server_without_its_log_key_says_so(tmp_path: Path, db_url: str) -> None:
    services = build_services(settings_for(tmp_path, db_url), blobs=MemoryBlobStore())
    app = create_app(services, background_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sealbox.test") as c:
            services.compliance.log.append("erasure", {})
            answer = await c.get("/v1/transparency/checkpoint")
            assert answer.status_code == 503 and "log key" in answer.json()["message"]
            assert len((await c.get("/v1/transparency/entries?start=0&end=5")).json()["entries"])


def kinds(server: Server) -> list[dict[str, object]]:
    log = server.services.compliance.log
    return [json.loads(raw) for raw in log.entries(0, log.size())]


async def test_compliance_actions_are_entered_without_ids(server: Server) -> None:
    world = await build(server)
    case = await file_notice(server, world, [world.file_link], "file")
    counter = {
        "signature": "A", "name": "A", "address": "1 Main St", "phone": "+1 555 0100",
        "statement_under_penalty": True, "consent_to_jurisdiction": True, "accepts_service": True,
    }  # fmt: skip
    path = f"/v1/notices/mine/{e(case)}/counter"
    assert (await server.client.post(path, json=counter, headers=world.alice.headers)).is_success
    carol = await server.api.signup("carol")
    carol_file, _ = await server.api.put_small_file(carol, carol.root_id, b"y" * 64)
    carol_link = await make_link(server, carol, carol_file)
    body = {"category": "csam", "url": url(carol_link), "description": "reported"}
    report = (await server.client.post("/v1/abuse-reports", json=body)).json()["report_id"]
    step = f"/v1/admin/abuse-reports/{report}/uphold"
    assert (await server.client.post(step, headers=world.op)).is_success
    found = kinds(server)
    assert [x["kind"] for x in found] == [
        "notice", "decision", "counter_notice", "notice", "account_action", "decision",
    ]  # fmt: skip
    decision = found[1]
    assert decision["outcome"] == "upheld" and decision["scope"] == "file"
    assert decision["category"] == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    assert decision["links"] >= 1 and decision["source"] == "api" and not decision["automated"]
    assert found[2] == {"kind": "counter_notice", "puid": decision["puid"], "state": "filed",
                        "v": 1, "at": found[2]["at"]}  # fmt: skip
    assert found[4]["action"] == "closed" and found[4]["cause"] == "abuse"
    assert found[5]["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    ids = [world.alice.user_id, carol.user_id, world.file, world.file_link, carol_link]
    raw = b"".join(server.services.compliance.log.entries(0, 99))
    for secret in ids:
        assert secret.hex().encode() not in raw and e(secret).encode() not in raw
    assert b"alice" not in raw and b"carol" not in raw and b"legal@" not in raw
