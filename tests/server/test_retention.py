# SPDX-License-Identifier: AGPL-3.0-or-later
"""The retention job with the fake clock, on both stacks: expired uploads, closed accounts
erased after their period unless held, evidence and holds expired, due notices sent, all under
the collector's lease; and docs/data-inventory.md's table of rules kept in step with the code."""

import json
import re
from pathlib import Path

import httpx
import pytest

from sealbox.compliance.requests import DAY
from sealbox.protocol.models import b64encode
from sealbox.server.app import build_services, create_app
from sealbox.server.db import collection, operators
from sealbox.server.db.engine import read_only, sqlite_url, writing
from sealbox.server.db.schema import accounts
from sealbox.server.services.retention import RULES, RetentionJob, knob_value
from sealbox.server.settings import Settings
from sealbox.testing.http_api import RawApi, file_put, new_id, ok

from .compliance_world import build, url
from .conftest import Server, make_settings, stored_chunks
from .test_transfers import make_chunks, upload

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]


async def chunk_keys(server: Server, content: bytes) -> list[str]:
    prefix = f"chunks/{b64encode(content)}/"
    return await stored_chunks(server, prefix)


def usernames(server: Server) -> set[str]:
    with read_only(server.services.engine) as conn:
        return set(conn.execute(accounts.select().with_only_columns(accounts.c.username)).scalars())


@pytest.mark.parametrize("settings_extra", [{"upload_ttl_seconds": 3600}])
async def test_the_retention_job_applies_every_rule(server: Server, settings_extra: object) -> None:
    world = await build(server)
    _, own = await server.api.put_small_file(world.alice, world.alice.root_id, b"mine" * 16)
    carol = await server.api.signup("carol")
    stale = await upload(server, carol, make_chunks(2), order=[0])
    body = {"category": "csam", "url": url(world.file_link), "description": "reported"}
    report = ok(await server.client.post("/v1/abuse-reports", json=body))["report_id"]
    ok(await server.client.post(f"/v1/admin/abuse-reports/{report}/uphold", headers=world.op))
    with writing(server.services.engine) as conn:  # what the inspector would have kept
        operators.keep_evidence(
            conn,
            {
                "case_id": b"\x09" * 16,
                "sha256": "0" * 64,
                "md5": "0" * 32,
                "pdq": None,
                "size": 64,
                "matched": None,
                "created_at": int(server.clock.now()),
                "expires_at": int(server.clock.now()) + 365 * DAY,
            },
        )
    requests = server.services.compliance.requests
    asked = requests.add(
        {
            "type": "court_order",
            "country": "US",
            "authority": "Court",
            "instrument": "order 1",
            "offence": "fraud",
            "data_asked": "e-mail",
        },
        "carol",
        "olga",
    )
    requests.validate(asked.request_id, "olga", None, None)  # advance notice due at once
    svc = server.services
    erasures: list[str] = []
    cases = svc.compliance.cases
    job = RetentionJob(
        svc.engine, server.clock, svc.settings, svc.collector, cases, requests,
        lambda kind, _: erasures.append(kind),
    )  # fmt: skip

    first = await job.run()
    assert first.counts["drop_expired_uploads"] == 0 and first.counts["notified"] == 1
    server.clock.advance(2 * 3600)
    assert (await job.run()).counts["drop_expired_uploads"] == 1
    assert await chunk_keys(server, stale) == []

    server.clock.advance(300 * DAY)
    held = requests.place_hold("bob", None, "olga")
    server.clock.advance(65 * DAY - 2 * 3600 - 1)
    assert (await job.run()).counts["anonymise_closed_accounts"] == 0
    assert await chunk_keys(server, own) != []
    server.clock.advance(2)  # alice's account closed 365 days ago; bob's is held
    done = await job.run()
    assert done.counts["anonymise_closed_accounts"] == 1 and done.counts["expire_evidence"] == 1
    assert usernames(server) == {"bob", "carol"} and erasures == ["erasure"]
    assert await chunk_keys(server, own) == []

    server.clock.advance(held.expires_at - server.clock.now())
    done = await job.run()
    assert done.counts["anonymise_closed_accounts"] == 1
    assert done.counts["expire_preservation_holds"] == 1
    assert usernames(server) == {"carol"} and requests.holds() == []
    assert erasures == ["erasure", "erasure"]


async def test_the_job_runs_under_the_collectors_lease(server: Server) -> None:
    with writing(server.services.engine) as conn:
        assert collection.take_lease(conn, "collect", "another-server", int(server.clock.now()), 60)
    assert (await server.services.retention.run()).skipped
    server.clock.advance(61)
    assert not (await server.services.retention.run()).skipped


def test_the_inventory_lists_exactly_the_rules_the_job_runs() -> None:
    inventory = (ROOT / "docs" / "data-inventory.md").read_text()
    section = inventory.split("## Retention rules", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `([\w.]+)` \| ([^|]+) \|", section, re.M)
    assert [(name, knob) for name, knob, _ in rows] == [(r.name, r.knob) for r in RULES]
    defaults = Settings(data_dir=Path("."))
    for _, knob, default in rows:
        assert default.strip() == str(knob_value(defaults, knob)), knob


@pytest.mark.parametrize("settings_extra", [{"deleted_blob_grace_days": 7}])
async def test_deleted_blobs_wait_out_the_grace_period(
    server: Server, settings_extra: object
) -> None:
    alice = await server.api.signup("alice")
    # Uploaded contents, whose chunks are blobs. An inline content's chunk is a row of the
    # database, deleted with its content row: a restored database backup holds it anyway.
    node, content = new_id(), await upload(server, alice, make_chunks(1))
    put = file_put(node, alice.root_id, content)
    ok(await server.api.tx(alice, manifests=[alice.root_id], puts=[put]))
    _, kept = await server.api.put_small_file(alice, alice.root_id, b"kept" * 16)
    ok(await server.api.tx(alice, manifests=[alice.root_id], removes=[node]))
    assert await chunk_keys(server, content) != []  # the rows are gone, the blobs wait
    job = server.services.retention
    swept = await job.run()  # the orphan sweep leaves buried blobs alone
    assert swept.counts["purge_deleted_blobs"] == 0 and swept.collected is not None
    assert swept.collected.orphan_blobs == 0 and await chunk_keys(server, content) != []
    server.clock.advance(7 * DAY)
    assert (await job.run()).counts["purge_deleted_blobs"] == 1
    assert await chunk_keys(server, content) == [] and await chunk_keys(server, kept) != []
    assert (await job.run()).counts["purge_deleted_blobs"] == 0


async def test_a_deletion_and_an_export_reach_the_transparency_port(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, sqlite_url(tmp_path / "sealbox.db"))
    services = build_services(settings)
    log = services.compliance.log

    def kinds() -> list[str]:
        return [json.loads(entry)["kind"] for entry in log.entries(0, log.size())]

    app = create_app(services, background_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sealbox.test") as client:
            api = RawApi(client)
            frank = await api.signup("frank")
            ok(await client.get("/v1/account/export", headers=frank.headers))
            assert kinds() == ["data_export"]
            body = {"auth_key": b64encode(frank.auth_key)}
            gone = await client.post("/v1/account/delete", json=body, headers=frank.headers)
            assert gone.status_code == 204 and kinds() == ["data_export", "erasure"]
