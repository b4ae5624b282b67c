# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared paths for the web client's tests: the sources, the build and the built assets."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .browser import CHROMIUM, CHROMIUM_ARGS, Live, Owner, live_server, make_owner

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
ASSETS = ROOT / "src" / "sealbox" / "web_assets"


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not installed: run scripts/system-deps")
    return path


def node_report(node: str, script: str, *args: str, timeout: float = 120) -> dict[str, Any]:
    """Run ``web/test/<script>`` under Node and answer the JSON report it prints, once it says no
    case failed (a report's ``failures``) and Node exited 0."""
    result = subprocess.run(
        [node, str(WEB / "test" / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["failures"] == [], report["failures"][:5]
    assert result.returncode == 0, result.stderr
    return report


def build(out: Path) -> None:
    """Run the project's build script into ``out``."""
    subprocess.run([str(ROOT / "scripts" / "build-web"), str(out)], check=True, capture_output=True)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with live_server(tmp_path / "server") as server:
        yield server


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    playwright = pytest.importorskip("playwright.async_api")
    async with playwright.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def alice(live: Live, tmp_path: Path) -> AsyncIterator[Owner]:
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        yield await make_owner(live, http, tmp_path)
