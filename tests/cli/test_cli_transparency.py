# SPDX-License-Identifier: AGPL-3.0-or-later
"""`sealbox transparency` against a real `sealbox server` process (which gets its log signer
from the entry point): the key is pinned only when the person says so, entries the operator's
commands append are signed and proved, and a log the operator shrank exits with the integrity
code. Embedded stack only: the log's database behaviour is covered on both in
tests/server/test_transparency.py."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealbox.testing.server_process import ServerProcess
from tests.cli.conftest import Cli


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "server-data")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def admin(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sealbox", "admin", *args, "--data", str(server.data_dir)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_verify_pins_the_key_follows_the_log_and_refuses_a_shrunk_one(
    served: ServerProcess, tmp_path: Path
) -> None:
    reader = Cli(served, tmp_path / "reader-home")
    done = admin(served, "canary", "--statement", "No secret orders received.", "--days", "7")
    assert done.returncode == 0, done.stderr
    asked = reader("transparency", "verify", check=False)
    assert asked.returncode == 2 and "--yes" in asked.stderr
    assert not (reader.home / "transparency.json").exists()

    first = reader("transparency", "verify", "--yes", "--entries", "0")
    assert "log localhost/transparency: 1 entries, signed by the pinned key" in first.stdout
    assert "first check" in first.stdout and "canary" in first.stdout
    pinned = json.loads((reader.home / "transparency.json").read_text())
    assert set(pinned["logs"]) == {served.url}

    alice = Cli(served, tmp_path / "alice-home")
    alice("signup", "alice")
    assert admin(served, "disclose", "alice", "--out", str(tmp_path / "pkg")).returncode == 0
    second = reader("transparency", "verify", "--json")
    result = json.loads(second.stdout)
    assert result["size"] == 2 and result["previous_size"] == 1
    assert result["canary_lapsed"] is None
    shown = reader("transparency", "show").stdout.splitlines()
    index, _at, kind, records = shown[1].split()
    assert (index, kind) == ("1", "disclosure") and records.startswith("records=")

    # The operator removes the last entry and lets the server sign the shorter log again.
    db = sqlite3.connect(served.data_dir / "sealbox.db")
    with db:
        db.execute("DELETE FROM transparency WHERE idx >= 1")
        db.execute("DELETE FROM transparency_checkpoints WHERE size >= 2")
    db.close()
    refused = reader("transparency", "verify", check=False)
    assert refused.returncode == 3
    assert "the log shrank from 2 to 1 entries" in refused.stderr
    kept = json.loads((reader.home / "transparency.json").read_text())
    assert "\n2\n" in kept["logs"][served.url]["checkpoint"]  # the last one accepted, kept


def test_a_lapsed_or_missing_canary_is_reported(served: ServerProcess, tmp_path: Path) -> None:
    reader = Cli(served, tmp_path / "reader-home")
    missing = reader("transparency", "verify", "--yes", check=False)
    assert missing.returncode == 1
    assert "the warrant canary lapsed: the log holds no warrant canary" in missing.stderr
    assert "0 entries, signed by the pinned key" in missing.stdout
