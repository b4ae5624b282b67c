# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A20: a server that delivers code can deliver a backdoor. Sealbox's server
delivers none, so a hostile operator has no page or script through which to reach a user's keys or
a link's fragment; this test shows the precondition cannot arise. The headers are the second line:
whatever a browser is made to render from this origin runs no script and loads nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sealbox.crypto.layout import b64url

from .conftest import Arena

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
EXECUTABLE = re.compile(r"html|javascript|ecmascript|xml|svg|wasm", re.IGNORECASE)
# Paths a browser is likely to be sent to: the pages a link or drop URL names, and the usual
# places of an API explorer.
BROWSER_PATHS = ["/", "/docs", "/redoc", "/index.html", "/l/x", "/d/x", "/static/app.js"]


async def test_A20_server_serves_no_code(arena: Arena) -> None:
    alice = await arena.user("alice")
    token = alice.api.token
    openapi = (await arena.http.get("/openapi.json")).json()
    paths = list(BROWSER_PATHS)
    filler = b64url(bytes(16))
    for template, operations in openapi["paths"].items():
        if "get" in operations:
            paths.append(re.sub(r"\{[^}]+\}", filler, template))
    assert len(paths) > len(BROWSER_PATHS) + 10  # the walk really covers the API
    seen = 0
    for path in paths:
        for headers in ({}, {"Authorization": f"Bearer {token}"}):
            response = await arena.http.get(path, headers=headers, timeout=5)
            seen += 1
            kind = response.headers.get("content-type", "")
            assert not EXECUTABLE.search(kind), (path, kind)
            assert response.headers["x-content-type-options"] == "nosniff"
            policy = response.headers["content-security-policy"]
            assert "default-src 'none'" in policy and "sandbox" in policy, path
            assert "frame-ancestors 'none'" in policy
            assert b"<script" not in response.content.lower(), path
    assert seen == 2 * len(paths)
    # The source tree holds no web code that the server could deliver.
    server = ROOT / "src" / "sealbox" / "server"
    bundled = [p for p in server.rglob("*") if p.suffix in {".html", ".js", ".css", ".wasm"}]
    assert bundled == []
    for source in server.rglob("*.py"):
        text = source.read_text()
        assert "StaticFiles" not in text and "HTMLResponse" not in text, source
