# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A20: a server that delivers code can deliver a backdoor.

The server delivers exactly one kind of code, the static and reproducible build of the web client
(spec/web-client.md): the same bytes at every page route, whatever the id, account or header;
every script pinned by Subresource Integrity; under a strict client policy (no inline script, no
eval beyond WebAssembly, no other origin, no referrer). Every other answer, API and errors alike,
is inert: no executable content type, the API policy with `sandbox`. tests/web/test_build.py
proves the build reproducible and the shipped assets equal to it; tests/web/test_link_pages.py
shows a real browser under this policy sending nothing to another origin and never the fragment.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

from sealbox.crypto.layout import b64url
from sealbox.server.api.web import CLIENT_POLICY

from .conftest import Arena

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "src" / "sealbox" / "web_assets"
EXECUTABLE = re.compile(r"html|javascript|ecmascript|xml|svg|wasm", re.IGNORECASE)
# Places of an API explorer and of stray static files: none exists.
NOT_CODE_PATHS = ["/docs", "/redoc", "/index.html", "/static/app.js", "/assets/app.js", "/l/x/y"]
PAGE_PATHS = ["/", "/l/" + b64url(bytes(16)), "/l/x", "/d/" + b64url(bytes(16)), "/app/drive/a/b"]


def _policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


async def test_A20_api_answers_are_never_code(arena: Arena) -> None:
    alice = await arena.user("alice")
    openapi = (await arena.http.get("/openapi.json")).json()
    paths = list(NOT_CODE_PATHS)
    filler = b64url(bytes(16))
    for template, operations in openapi["paths"].items():
        if "get" in operations:
            paths.append(re.sub(r"\{[^}]+\}", filler, template))
    assert len(paths) > len(NOT_CODE_PATHS) + 10  # the walk really covers the API
    assert not any(p.startswith(("/assets/", "/l/", "/d/", "/app/")) for p in openapi["paths"])
    for path in paths:
        for headers in ({}, {"Authorization": f"Bearer {alice.api.token}"}):
            response = await arena.http.get(path, headers=headers, timeout=5)
            kind = response.headers.get("content-type", "")
            assert not EXECUTABLE.search(kind), (path, kind)
            assert response.headers["x-content-type-options"] == "nosniff"
            policy = response.headers["content-security-policy"]
            assert "default-src 'none'" in policy and "sandbox" in policy, path
            assert "frame-ancestors 'none'" in policy
            assert b"<script" not in response.content.lower(), path
            assert "set-cookie" not in response.headers


async def test_A20_every_page_route_answers_the_same_entry_page(arena: Arena) -> None:
    alice = await arena.user("alice")
    committed = (ASSETS / "index.html").read_bytes()
    for path in PAGE_PATHS:
        for headers in ({}, {"Authorization": f"Bearer {alice.api.token}", "Cookie": "a=b"}):
            for query in ("", "?x=1"):
                response = await arena.http.get(path + query, headers=headers)
                assert response.status_code == 200, path
                assert response.content == committed, path  # no template, no nonce, no id
                _assert_client_headers(response)
                assert response.headers["cache-control"] == "no-cache"
                assert response.headers["content-type"] == "text/html; charset=utf-8"
        head = await arena.http.head(path)
        assert head.status_code == 200 and head.content == b""
        _assert_client_headers(head)


def _assert_client_headers(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == CLIENT_POLICY
    policy = _policy(CLIENT_POLICY)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]  # no inline, no eval
    assert policy["connect-src"] == ["'self'"]  # no request to another origin
    assert policy["base-uri"] == policy["form-action"] == policy["frame-ancestors"] == ["'none'"]
    assert not re.search(r"unsafe-inline|'unsafe-eval'|unsafe-hashes|\*|https?:", CLIENT_POLICY)
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert response.headers["cross-origin-resource-policy"] == "same-origin"
    assert "set-cookie" not in response.headers
    assert "access-control-allow-origin" not in response.headers


async def test_A20_every_script_is_pinned_and_served_unchanged(arena: Arena) -> None:
    page = (await arena.http.get("/")).text
    tags = re.findall(r"<script\b[^>]*>|<link\b[^>]*stylesheet[^>]*>", page)
    assert len(tags) == 2
    for tag in tags:
        url = re.search(r'(?:src|href)="([^"]+)"', tag)
        integrity = re.search(r'integrity="sha384-([^"]+)"', tag)
        assert url and integrity, tag
        response = await arena.http.get(url.group(1))
        assert response.status_code == 200
        assert base64.b64encode(hashlib.sha384(response.content).digest()).decode() == (
            integrity.group(1)
        )
        assert response.content == (ASSETS / url.group(1).removeprefix("/")).read_bytes()
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        _assert_client_headers(response)
    script = re.search(r'<script[^>]*src="([^"]+)"', page)
    assert script is not None
    kind = (await arena.http.get(script.group(1))).headers["content-type"]
    assert kind == "text/javascript; charset=utf-8"


async def test_A20_an_unknown_asset_is_an_inert_404(arena: Arena) -> None:
    for path in ("/assets/app.0000000000000000.js", "/assets/../index.html", "/assets/"):
        response = await arena.http.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/json"
        assert "sandbox" in response.headers["content-security-policy"]


def test_A20_the_server_renders_nothing_and_only_reads_the_build() -> None:
    server = ROOT / "src" / "sealbox" / "server"
    bundled = [p for p in server.rglob("*") if p.suffix in {".html", ".js", ".css", ".wasm"}]
    assert bundled == []  # the build lives outside the server package, as data
    readers = []
    for source in server.rglob("*.py"):
        text = source.read_text()
        assert "StaticFiles" not in text and "HTMLResponse" not in text, source
        assert "Jinja" not in text and "Template" not in text, source
        if "web_assets" in text:
            readers.append(source.name)
    assert readers == ["web.py"]
