# SPDX-License-Identifier: AGPL-3.0-or-later
"""`sealbox account export` on both stacks: the server's records about the account, the same as
a disclosure package holds, plus the drive's names, sizes and dates opened by the client; a
request under a gag stays out of it until the user has been told."""

from __future__ import annotations

import json
from pathlib import Path

from sealbox.testing.server_process import ServerProcess

from .conftest import Cli
from .test_cli_compliance import admin
from .test_disclosure import disclose


def request(server: ServerProcess, *extra: str) -> str:
    added = admin(server, "requests", "add", "--operator", "olga", "--type", "court_order",
                  "--country", "US", "--authority", "Court", "--instrument", "order 7",
                  "--offence", "fraud", "--data-asked", "e-mail", "--account", "alice",
                  "--json")  # fmt: skip
    rid = json.loads(added)[0]["request_id"]
    admin(server, "requests", "validate", "--operator", "olga", *extra, "--", rid)
    return str(rid)


def test_an_export_holds_the_servers_records_and_the_drives_metadata(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "kumquat-budget.txt").write_bytes(b"k" * 1234)
    (tmp_path / "gone.txt").write_bytes(b"g" * 10)
    alice("put", str(tmp_path / "plans"), "/plans")
    alice("put", str(tmp_path / "gone.txt"), "/")
    alice("rm", "/gone.txt")
    admin(server, "operators", "add", "olga")
    told = request(server)
    admin(server, "requests", "notify", "--operator", "olga", "--", told)
    gagged = request(server, "--gag-until", "2099-01-01")

    out = tmp_path / "export.json"
    alice("account", "export", "--out", str(out))
    assert out.stat().st_mode & 0o777 == 0o600
    exported = json.loads(out.read_text())
    items = {(i["where"], i["path"]): i for i in exported["drive"]}
    budget = items[("drive", "/plans/kumquat-budget.txt")]
    assert budget["size"] == 1234 and budget["modified"].endswith("Z")
    assert items[("drive", "/plans")]["type"] == "folder"
    assert items[("trash", "/gone.txt")]["size"] == 10
    data = exported["server"]["data"]
    assert [a["username"] for a in data["accounts"]] == ["alice"]
    assert [r["request_id"] for r in data["data_requests"]] == [told]  # not the gagged one

    package = tmp_path / "package"
    assert disclose(server, "alice", package).returncode == 0
    disclosed = json.loads((package / "data.json").read_text())
    assert sorted(r["request_id"] for r in disclosed["data_requests"]) == sorted([told, gagged])
    disclosed["data_requests"] = [r for r in disclosed["data_requests"] if r["request_id"] == told]
    assert data == disclosed  # the same records, but for what the gag keeps back
    refused = alice("account", "export", "--out", str(out), check=False)
    assert refused.returncode == 5 and "exists already" in refused.stderr
