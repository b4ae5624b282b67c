# SPDX-License-Identifier: AGPL-3.0-or-later
"""A disclosure package after a full life of activity (issue "Compliance II", item 2), on both
stacks: it holds every row about the account and nothing that identifies a place, a device, a
file or a key; every column of every table is in it or listed as not about a person."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from sealbox.server.db import schema
from sealbox.server.services.disclosure import OPAQUE
from sealbox.testing.server_process import ServerProcess
from tests.cli.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
NAME_MARKERS = ["Zanzibar-plans", "kumquat-budget-2027.txt", "inbox-for-strangers"]
CONTENT_MARKER = "the quick brown aardvark eats 42 kumquats"
PLAIN_SIZE = 123_457


def disclose(
    server: ServerProcess, username: str, out: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sealbox", "admin", "disclose", username, "--out", str(out),
               "--data", str(server.data_dir), *extra]  # fmt: skip
    if server.db_url:
        command += ["--db", server.db_url]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def a_full_life(alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path) -> str:
    """Uploads, versions, a link, a share, a drop with a waiting file, two sessions; returns the
    link's fragment (a key the package must not hold)."""
    folder = tmp_path / NAME_MARKERS[0]
    folder.mkdir()
    (folder / NAME_MARKERS[1]).write_text(CONTENT_MARKER)
    (folder / "sized.bin").write_bytes(os.urandom(PLAIN_SIZE))
    alice("put", str(folder), f"/{NAME_MARKERS[0]}")
    (folder / NAME_MARKERS[1]).write_text(CONTENT_MARKER + " again")
    alice("put", str(folder / NAME_MARKERS[1]), f"/{NAME_MARKERS[0]}/{NAME_MARKERS[1]}")
    link = alice("export", f"/{NAME_MARKERS[0]}/{NAME_MARKERS[1]}").stdout.strip()
    alice("contacts", "invite", "bob")
    bob("contacts", "accept", "alice")
    alice("share", f"/{NAME_MARKERS[0]}", "bob", "--write")
    alice("mkdir", f"/{NAME_MARKERS[2]}")
    url = alice("request", "create", f"/{NAME_MARKERS[2]}").stdout.strip()
    guest = Cli(server, tmp_path / "guest-home")
    (tmp_path / "gift.txt").write_text(CONTENT_MARKER)
    guest("put", str(tmp_path / "gift.txt"), url, SEALBOX_PASSWORD="")
    second = Cli(server, tmp_path / "alice-laptop")
    second("login", "alice")
    return link.partition("#")[2]


def test_a_disclosure_package_holds_every_row_and_nothing_identifying(
    alice: Cli, bob: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    fragment = a_full_life(alice, bob, server, tmp_path)
    out = tmp_path / "package"
    result = disclose(server, "alice", out)
    assert result.returncode == 0, result.stderr
    data_bytes = (out / "data.json").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    data = json.loads(data_bytes)
    assert manifest["data_sha256"] == hashlib.sha256(data_bytes).hexdigest()
    assert manifest["account"] == "alice"

    counts = {table: len(rows) for table, rows in data.items()}
    assert counts["accounts"] == 1 and counts["sessions"] == 2
    assert counts["shares"] == 1 and counts["contacts"] == 1 and counts["links"] == 1
    assert counts["drops"] == 1 and counts["drop_files"] == 1
    assert counts["versions"] >= 1 and counts["nodes"] >= 6 and counts["contents"] >= 4
    assert {row["username"] for row in data["accounts"]} == {"alice"}

    text = data_bytes.decode() + json.dumps(manifest)
    for forbidden in [*NAME_MARKERS, CONTENT_MARKER, "127.0.0.1", "python-httpx", "Mozilla",
                      "a long and correct password", fragment, str(PLAIN_SIZE)]:  # fmt: skip
        assert forbidden not in text, f"the package holds {forbidden!r}"
    for table, rows in data.items():
        for row in rows:
            for column, value in row.items():
                if (table, column) in OPAQUE and value is not None:
                    assert set(value) == {"opaque_bytes", "sha256"}, (table, column)


def test_every_column_is_disclosed_or_listed_as_not_about_a_person(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    out = tmp_path / "package"
    assert disclose(server, "alice", out).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    inventory = (ROOT / "docs" / "data-inventory.md").read_text()
    section = inventory.split("### Not about a person", 1)[1].split("\n## ", 1)[0]
    listed = {m[0]: set(re.findall(r"`(\w+)`", m[1]))
              for m in re.findall(r"^- `(\w+)`: (.*)$", section, re.M)}  # fmt: skip
    tables = {**{t.name: [c.name for c in t.columns] for t in schema.metadata.tables.values()},
              "alembic_version": ["version_num"]}  # fmt: skip
    for table, columns in tables.items():
        if table in manifest["tables"]:
            assert manifest["tables"][table]["columns"] == columns
        else:
            assert table in listed, f"{table} is neither disclosed nor listed as not about a person"
            assert set(columns) <= listed[table], f"{table}: {set(columns) - listed[table]}"


def test_an_unknown_account_or_an_existing_directory_is_a_clear_refusal(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    refused = disclose(server, "nobody", tmp_path / "p")
    assert refused.returncode == 1 and "no account is called 'nobody'" in refused.stderr
    assert not (tmp_path / "p").exists()
    (tmp_path / "taken").mkdir()
    refused = disclose(server, "alice", tmp_path / "taken")
    assert refused.returncode == 2 and "nothing is overwritten" in refused.stderr
