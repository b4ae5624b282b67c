# SPDX-License-Identifier: AGPL-3.0-or-later
"""`sealbox admin requests|holds` on a server's data: a request's whole life with --json, the
policy file's knobs, and plain refusals (no traceback)."""

import json
from pathlib import Path

import pytest
from anyio import to_thread
from typer.testing import CliRunner

from sealbox.server.cli import app

from .conftest import Server

pytestmark = pytest.mark.anyio


async def test_a_request_through_the_admin_commands(
    server: Server, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the commands are the same on both databases; the service tests run both")
    await server.api.signup("alice")
    server.services.compliance.operators.issue("olga", "operator", "test-setup")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"country": "DE", "requests_answered_countries": ["AT"]}))
    where = ["--data", str(server.data_dir), "--db", db_url]

    async def admin(*args: str, code: int = 0) -> str:
        # Ids are base64url and may start with "-": they follow "--", after the options.
        cut = args.index("--") if "--" in args else len(args)
        command = ["admin", *args[:cut], *where, *args[cut:]]
        done = await to_thread.run_sync(
            lambda: CliRunner().invoke(app, command, catch_exceptions=False)
        )
        assert done.exit_code == code, done.output
        return str(done.output)

    added = json.loads(
        await admin(
            "requests",
            "add",
            "--operator",
            "olga",
            "--type",
            "law_enforcement",
            "--country",
            "at",
            "--authority",
            "LKA Wien",
            "--instrument",
            "§76a StPO",
            "--offence",
            "fraud",
            "--data-asked",
            "e-mail",
            "--account",
            "alice",
            "--compliance",
            str(policy),
            "--json",
        )
    )
    rid = added[0]["request_id"]
    shown = json.loads(
        await admin("requests", "show", "--compliance", str(policy), "--json", "--", rid)
    )
    assert "provided" in shown[0]["allowed_answers"]  # AT is configured: answered directly
    shown = json.loads(await admin("requests", "show", "--json", "--", rid))
    assert shown[0]["allowed_answers"] == ["mla_referred", "declined"]  # default home: US
    await admin(
        "requests", "validate", "--operator", "olga", "--gag-until", "2099-01-01", "--", rid
    )
    answered = await admin(
        "requests",
        "answer",
        "--operator",
        "olga",
        "--disclosed",
        "e-mail",
        "--compliance",
        str(policy),
        "--",
        rid,
        "provided",
    )
    assert "answered provided" in answered
    assert "forbids telling the user" in await admin(
        "requests", "notify", "--operator", "olga", "--", rid, code=1
    )
    refused = await admin("requests", "answer", "--operator", "olga", "--", rid, "maybe", code=2)
    assert "the outcome is one of" in refused
    listed = json.loads(await admin("requests", "list", "--json"))
    assert [r["state"] for r in listed] == ["answered"]

    held = json.loads(
        await admin(
            "holds", "add", "--operator", "olga", f"--request={rid}", "--json", "--", "alice"
        )
    )
    hold = held[0]["hold_id"]
    assert held[0]["expires_at"] - held[0]["created_at"] == 90 * 86400
    await admin("holds", "release", "--operator", "olga", "--", hold)
    assert "released" in await admin("holds", "list")
    assert "has ended" in await admin("holds", "renew", "--operator", "olga", "--", hold, code=1)
    audit = await admin("audit")
    for action in (
        "request_received",
        "request_validated",
        "request_provided",
        "hold_placed",
        "hold_released",
    ):
        assert action in audit
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hold_days": 0}))
    assert "--compliance" in await admin(
        "requests", "show", "--compliance", str(bad), "--", rid, code=2
    )
