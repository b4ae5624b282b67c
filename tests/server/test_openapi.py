# SPDX-License-Identifier: AGPL-3.0-or-later
"""spec/openapi.json is the server's own OpenAPI description, committed so that a second
implementer can read it without running the server, and kept equal to what the app serves."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "spec" / "openapi.json"


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "gen-openapi"
    loader = importlib.machinery.SourceFileLoader("gen_openapi", str(path))
    spec = importlib.util.spec_from_loader("gen_openapi", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_committed_openapi_is_current() -> None:
    text = _generator().render()
    assert COMMITTED.read_text(encoding="utf-8") == text, "run scripts/gen-openapi"


@pytest.mark.anyio
async def test_the_app_serves_the_committed_description(tmp_path: Path) -> None:
    # Settings other than the script's, to show that the description does not depend on them.
    services = build_services(
        Settings(data_dir=tmp_path, secret=bytes(range(32)), keep_versions=3, default_quota=1)
    )
    app = create_app(services, background_jobs=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://sealbox") as http:
            served = (await http.get("/openapi.json")).json()
    finally:
        services.engine.dispose()
    assert served == json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert "/v1/transactions" in served["paths"]


def test_the_server_declares_its_routes_over_built_wire_models() -> None:
    """The wire models are built on first use (a client command needs a few of them); FastAPI
    needs every one finished before a route declares it, which server.api sees to."""
    script = (
        "from sealbox.protocol import models as m\n"
        "assert not m.AccountView.__pydantic_complete__, 'built on import'\n"
        "import sealbox.server.api\n"
        "todo = [m.Wire]\n"
        "while todo:\n"
        "    model = todo.pop()\n"
        "    assert model is m.Wire or model.__pydantic_complete__, model\n"
        "    todo.extend(model.__subclasses__())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
