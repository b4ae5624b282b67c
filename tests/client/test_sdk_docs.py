# SPDX-License-Identifier: AGPL-3.0-or-later
"""docs/sdk.md's example runs, unchanged, against a real ``sealbox server`` process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealbox.testing.server_process import ServerProcess

ROOT = Path(__file__).resolve().parents[2]


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "sdk.md").read_text(), re.S)
    assert len(blocks) == 1, "docs/sdk.md has one example"
    return str(blocks[0])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "server")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_the_sdk_example_runs_against_a_real_server(server: ServerProcess, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "example.py").write_text(example())
    result = subprocess.run(
        [sys.executable, "example.py"],
        cwd=work,
        env={**os.environ, "SEALBOX_SERVER": server.url},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Keep this recovery key offline: ")
    assert lines[1:] == ["hello, sealbox", "hello.txt 15 bytes"]
    assert (work / "sealbox-home" / "state.db").exists()
