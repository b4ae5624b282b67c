# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared paths for the web client's tests: the sources, the build and the built assets."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
ASSETS = ROOT / "src" / "sealbox" / "web_assets"


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not installed: run scripts/system-deps")
    return path


def build(out: Path) -> None:
    """Run the project's build script into ``out``."""
    subprocess.run([str(ROOT / "scripts" / "build-web"), str(out)], check=True, capture_output=True)
