# SPDX-License-Identifier: AGPL-3.0-or-later
"""The web client's build is reproducible and the committed assets are that build (A20).

spec/web-client.md: the same source and lockfile give byte-identical files, asset names carry a
hash of their content, the entry page holds no inline code and pins every script and style with
SHA-384 Subresource Integrity, and SHA256SUMS lists what a release publishes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from .conftest import ASSETS, WEB, build

SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE = re.compile(r"<link\b([^>]*rel=\"stylesheet\"[^>]*)>", re.IGNORECASE)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _attribute(tag: str, name: str) -> str:
    match = re.search(rf'\b{name}="([^"]*)"', tag)
    assert match, (tag, name)
    return match.group(1)


def test_two_builds_are_byte_identical_and_match_the_committed_assets(tmp_path: Path) -> None:
    build(tmp_path / "one")
    build(tmp_path / "two")
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert one == two
    # What the Python package ships is exactly what the sources build: run scripts/build-web
    # after changing web/ and commit the result.
    assert _files(ASSETS) == one, "src/sealbox/web_assets is stale: run scripts/build-web"


def test_lockfile_pins_every_package() -> None:
    lock = (WEB / "package-lock.json").read_text()
    assert '"lockfileVersion": 3' in lock
    assert '"node_modules/libsodium-wrappers-sumo"' in lock and '"node_modules/esbuild"' in lock
    package = (WEB / "package.json").read_text()
    assert not re.search(r'"[\^~]', package), "web/package.json pins exact versions"


def test_entry_page_pins_every_script_and_style_and_holds_no_inline_code() -> None:
    files = _files(ASSETS)
    page = files["index.html"].decode()
    scripts, styles = SCRIPT.findall(page), STYLE.findall(page)
    assert scripts and styles
    for tag in scripts + styles:
        url = _attribute(tag, "src" if tag in scripts else "href")
        assert url.startswith("/assets/"), url  # nothing from another origin
        data = files[url.removeprefix("/")]
        digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
        assert _attribute(tag, "integrity") == f"sha384-{digest}"
        # The name carries the content's hash, so one name means one content for ever.
        assert hashlib.sha256(data).hexdigest()[:16] in url
    assert len(scripts) == page.lower().count("<script")
    assert not re.search(r"\son\w+=|\sstyle=|javascript:|<style", page, re.IGNORECASE)
    assert re.search(r'<meta name="sealbox-version" content="[^"]+">', page)


def test_sha256sums_lists_every_file() -> None:
    files = _files(ASSETS)
    sums = dict(
        reversed(line.split("  ", 1)) for line in files.pop("SHA256SUMS").decode().splitlines()
    )
    assert sums == {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def test_build_names_no_other_origin() -> None:
    """No CDN, analytics, remote font or image: no absolute URL appears in any built file."""
    absolute = re.compile(rb"(?:https?:|wss?:)?//[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.IGNORECASE)
    for name, data in _files(ASSETS).items():
        if name.endswith(".svg"):  # an SVG names its XML namespace; nothing is fetched from it
            data = data.replace(b'xmlns="http://www.w3.org/2000/svg"', b"")
        assert not absolute.search(data), (name, absolute.search(data))
