# SPDX-License-Identifier: AGPL-3.0-or-later
"""The web client's page and asset routes (spec/web-client.md, "Page and asset routes").

The server delivers exactly one kind of code: the static, reproducible build in
``sealbox/web_assets`` (made by scripts/build-web), the same bytes for every person and request.
Every page route answers the entry page unchanged: no id is looked up, nothing is templated, no
nonce is added. Assets are served by their content-hashed names only. These routes, and only
these, carry the client policy; everything else keeps the API policy (response_headers.py). The
server reads these files as bytes and never runs or imports the client's crypto (A20).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response

import sealbox
from sealbox.protocol.errors import ErrorCode
from sealbox.server.api.errors import error_response

ASSETS = Path(sealbox.__file__).resolve().parent / "web_assets"

CLIENT_POLICY = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; manifest-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
CLIENT_HEADERS = {
    "Content-Security-Policy": CLIENT_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
PAGE_ROUTES = ("/", "/l/{link_id}", "/d/{drop_id}", "/app/{page:path}")
CLIENT_PATH = re.compile(r"^/(?:|l/[^/]+|d/[^/]+|app/.*|assets/[^/]+)$")
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".wasm": "application/wasm",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
ENTRY_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Build:
    """One build of the web client, read once when the app is made."""

    entry_page: bytes
    assets: dict[str, tuple[bytes, str]]


def load_build(root: Path = ASSETS) -> Build | None:
    """The build under ``root``, or None when there is none (the server then serves no client,
    and every one of these paths is an unknown path: 404)."""
    entry = root / "index.html"
    if not entry.is_file():
        return None
    assets = {}
    for path in sorted((root / "assets").iterdir()):
        kind = CONTENT_TYPES.get(path.suffix)
        if kind is not None and path.is_file():
            assets[path.name] = (path.read_bytes(), kind)
    return Build(entry.read_bytes(), assets)


def is_client_route(path: str) -> bool:
    """Whether an answer at ``path`` gets the client policy instead of the API policy."""
    return CLIENT_PATH.match(path) is not None


def install(app: FastAPI, build: Build | None) -> None:
    """Add the page and asset routes when there is a build to serve."""
    if build is None:
        return
    router = APIRouter(include_in_schema=False)

    async def entry_page() -> Response:
        return Response(
            build.entry_page,
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": ENTRY_CACHE},
        )

    async def asset(name: str) -> Response:
        found = build.assets.get(name)
        if found is None:
            return error_response(
                ErrorCode.NOT_FOUND, "this build of the web client has no such file"
            )
        data, kind = found
        return Response(data, media_type=kind, headers={"Cache-Control": ASSET_CACHE})

    async def stream_fallback(stream_id: str) -> Response:
        # The download service worker answers these paths in the browser; one that reaches the
        # server (no worker running) gets no content, so the page that navigated stays as it is.
        return Response(status_code=204, headers={"Cache-Control": "no-store"})

    for path in PAGE_ROUTES:
        router.add_api_route(path, entry_page, methods=["GET", "HEAD"])
    router.add_api_route("/assets/{name}", asset, methods=["GET", "HEAD"])
    router.add_api_route("/assets/stream/{stream_id}", stream_fallback, methods=["GET", "HEAD"])
    app.include_router(router)
