# SPDX-License-Identifier: AGPL-3.0-or-later
"""Notice and action end to end on both stacks, against a real server process: a notice through
the public form, the operator's `sealbox admin` commands, the user's `sealbox notices` (list,
statement of reasons, counter-notice, appeal), an abuse report carrying a link key, and then the
zero-knowledge audit: no marker and no link key anywhere in what the server holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from sealbox.testing.server_process import ServerProcess

from .conftest import Cli
from .test_zero_knowledge_audit import scan, scan_log


def admin(server: ServerProcess, *args: str) -> str:
    db = ["--db", server.db_url] if server.db_url else []
    # The admin commands take the blob store from $SEALBOX_BLOBS, as the server's --blobs.
    extra = server.extra
    blobs = {"SEALBOX_BLOBS": extra[extra.index("--blobs") + 1]} if "--blobs" in extra else {}
    # Ids are base64url and may start with "-": they follow "--", and the options come first.
    ids = list(args[args.index("--") :]) if "--" in args else []
    words = list(args[: len(args) - len(ids)])
    done = subprocess.run(
        [sys.executable, "-m", "sealbox", "admin", *words, "--data", str(server.data_dir), *db,
         *ids],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, **server.env, **blobs},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def notice(url: str) -> dict[str, object]:
    return {
        "notifier": {"name": "Rights Co", "contact": "legal@rights.example", "role": "agent"},
        "signature": "Jane Doe", "works": ["Our Song"], "locators": [url],
        "explanation": "an unlicensed copy", "good_faith": True, "accurate_under_penalty": True,
        "misrepresentation_acknowledged": True, "scope": "file",
    }  # fmt: skip


def test_a_full_notice_cycle_leaves_no_marker(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex
    secrets = {"file content": f"CONTENT-MARKER-{tag}".encode(),
               "file name": f"NAME-MARKER-{tag}".encode()}  # fmt: skip
    local = tmp_path / secrets["file name"].decode()
    local.write_bytes(secrets["file content"] * 50)
    alice("put", str(local), "/")
    alice("put", str(local), "/second.txt")
    url = alice("export", f"/{local.name}").stdout.strip()
    other = alice("export", "/second.txt").stdout.strip()
    secrets["link key"] = url.split("#", 1)[1].encode()
    secrets["second link key"] = other.split("#", 1)[1].encode()

    admin(server, "operators", "add", "olga")
    receipt = httpx.post(f"{server.url}/v1/notices", json=notice(url), timeout=30).json()
    case = receipt["notice_id"]
    acted = json.loads(admin(server, "cases", "act", "--operator", "olga", "--json", "--", case))
    assert acted["state"] == "actioned"
    assert httpx.post(f"{server.url}/v1/links/{url.split('/l/')[1].split('#')[0]}/open",
                      timeout=30).json()["error"] == "link_removed"  # fmt: skip

    listed = json.loads(alice("notices", "--json").stdout)
    assert [c["case_id"] for c in listed["cases"]] == [case]
    shown = alice("notices", "show", "--", case).stdout
    assert "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS" in shown
    countered = alice("notices", "counter", "--name", "Alice A.", "--address", "1 Main St",
                      "--phone", "+1 555 0100", "--under-penalty-of-perjury",
                      "--", case).stdout  # fmt: skip
    assert "restored on" in countered
    assert (
        "a person will decide" in alice("notices", "appeal", "--reason", "mine", "--", case).stdout
    )

    report = {"category": "other_illegal", "url": other, "description": "reported"}
    assert httpx.post(f"{server.url}/v1/abuse-reports", json=report, timeout=30).status_code == 201
    appeals = json.loads(admin(server, "appeals", "list", "--json"))["appeals"]
    decided = admin(server, "appeals", "decide", "--operator", "olga", "--reason", "licence shown",
                    "--", appeals[0]["appeal_id"], "grant")  # fmt: skip
    assert "granted" in decided
    assert "appeal_granted" in admin(server, "audit")

    server.stop()  # flush the log and the database's write-ahead log
    hits = scan(server.data_dir, secrets) + scan_log(server.log_path, secrets)
    assert hits == []
