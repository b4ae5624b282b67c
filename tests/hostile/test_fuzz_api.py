# SPDX-License-Identifier: AGPL-3.0-or-later
"""Schemathesis against the server's own OpenAPI description: no input gives a 500, and every
response, errors included, has the documented shape. The budget is bounded for CI."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from sealbox.client.sdk.account import signup
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.state import LocalState
from sealbox.crypto.notes import NoteSigner
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings

_TMP = Path(tempfile.mkdtemp(prefix="sealbox-fuzz-"))
APP = create_app(
    build_services(
        Settings(data_dir=_TMP / "server", secret=bytes(range(32))), log_signer=NoteSigner
    ),
    background_jobs=False,
)


async def _token() -> str:
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://fuzz") as http:
        api = Api(http)
        await signup(
            api, LocalState(_TMP / "home"), "http://fuzz", "fuzzer", "fuzzing password",
            opslimit=FLOOR_OPSLIMIT, memlimit=FLOOR_MEMLIMIT,
        )  # fmt: skip
        assert api.token is not None
        return api.token


TOKEN = asyncio.run(_token())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_on_any_input(case: schemathesis.Case) -> None:
    # The change feed's long poll may legitimately hold a request for a minute; keep it short.
    if case.query and "wait" in case.query:
        try:
            case.query["wait"] = min(int(case.query["wait"]), 1)
        except (TypeError, ValueError):
            pass  # not a number: the server must refuse it with a 4xx
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
    )
