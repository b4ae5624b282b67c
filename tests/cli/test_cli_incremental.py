# SPDX-License-Identifier: AGPL-3.0-or-later
"""Incremental transfers from the command line (issue 14, "Incremental transfers"): a re-put
and a re-get leave unchanged files alone, --checksum, --dry-run, --exclude/--include/
--exclude-from, --bwlimit, --no-clobber, --backup, the JSON summary of put and get, and
`sealbox check`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .conftest import Cli, metric

MIB = 1024 * 1024


def _tree(top: Path) -> None:
    for name, data in {
        "a.txt": b"alpha",
        "notes.log": b"log lines",
        "sub/b.txt": b"bravo",
        "big.bin": os.urandom(2 * MIB + 3),
    }.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_bytes(data)


def _versions(cli: Cli, path: str) -> int:
    return len(json.loads(cli("versions", path, "--json").stdout))


def test_a_second_put_and_get_leave_unchanged_files_alone(alice: Cli, tmp_path: Path) -> None:
    _tree(tmp_path / "docs")
    first = json.loads(alice("put", str(tmp_path / "docs"), "/", "--json").stdout)
    assert (first["files"], first["unchanged"], first["failed"]) == (4, 0, 0)
    assert first["bytes"] >= 2 * MIB and first["failures"] == [] and first["seconds"] >= 0
    chunks = metric(alice.server, "sealbox_chunks_received")
    again = json.loads(alice("put", str(tmp_path / "docs"), "/", "--json").stdout)
    assert (again["files"], again["bytes"], again["unchanged"]) == (0, 0, 4)
    assert metric(alice.server, "sealbox_chunks_received") == chunks
    assert _versions(alice, "/docs/a.txt") == 0 and _versions(alice, "/docs/big.bin") == 0
    shown = alice("put", str(tmp_path / "docs"), "/")
    assert "4 unchanged file(s) left alone" in shown.stderr
    out = tmp_path / "out"
    got = json.loads(alice("get", "/docs", str(out), "--json").stdout)
    assert (got["files"], got["unchanged"]) == (4, 0)
    got = json.loads(alice("get", "/docs", str(out), "--json").stdout)
    assert (got["files"], got["bytes"], got["unchanged"]) == (0, 0, 4)
    # Same size and time, other contents: only --checksum sees it.
    a = tmp_path / "docs" / "a.txt"
    stat = a.stat()
    a.write_bytes(b"ALPHA")
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert json.loads(alice("put", str(tmp_path / "docs"), "/", "--json").stdout)["files"] == 0
    sent = json.loads(alice("put", str(tmp_path / "docs"), "/", "--checksum", "--json").stdout)
    assert (sent["files"], sent["unchanged"]) == (1, 3)
    assert alice("cat", "/docs/a.txt").stdout == "ALPHA"


def test_dry_run_exclude_include_and_bwlimit(alice: Cli, tmp_path: Path) -> None:
    _tree(tmp_path / "docs")
    plan = json.loads(alice("put", str(tmp_path / "docs"), "/", "-n", "--json").stdout)
    assert plan["dry_run"] is True
    assert sorted((i["action"], i["remote"]) for i in plan["items"]) == [
        ("send", "/docs/a.txt"), ("send", "/docs/big.bin"), ("send", "/docs/notes.log"),
        ("send", "/docs/sub/b.txt"),
    ]  # fmt: skip
    assert json.loads(alice("ls", "/", "--json").stdout) == []
    shown = alice("put", str(tmp_path / "docs"), "/", "--dry-run").stdout
    assert "would send:" in shown and "nothing changed" in shown
    patterns = tmp_path / "ignore"
    patterns.write_text("# logs stay here\n*.log\n")
    alice("put", str(tmp_path / "docs"), "/", "--exclude-from", str(patterns),
          "--exclude", "/big.bin", "--bwlimit", "50M")  # fmt: skip
    listed = json.loads(alice("ls", "-R", "/docs", "--json").stdout)
    assert sorted(r["path"] for r in listed if r["type"] == "file") == [
        "/docs/a.txt", "/docs/sub/b.txt"
    ]  # fmt: skip
    out = tmp_path / "out"
    alice("put", str(tmp_path / "docs"), "/")
    alice("get", "/docs", str(out), "--include", "*.txt", "--exclude", "sub/")
    assert sorted(p.name for p in out.rglob("*")) == ["a.txt"]
    bad = alice("put", str(tmp_path / "docs"), "/", "--bwlimit", "fast", check=False)
    assert bad.returncode == 2 and "not a bandwidth" in bad.stderr


def test_get_no_clobber_and_backup(alice: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("remote")
    alice("put", str(tmp_path / "a.txt"), "/a.txt")
    mine = tmp_path / "out" / "a.txt"
    mine.parent.mkdir()
    mine.write_text("mine, longer")
    kept = alice("get", "/a.txt", str(mine), "--no-clobber")
    assert mine.read_text() == "mine, longer" and "--no-clobber" in kept.stderr
    plan = json.loads(alice("get", "/a.txt", str(mine), "--backup", "-n", "--json").stdout)
    assert [i["action"] for i in plan["items"]] == ["backup"]
    alice("get", "/a.txt", str(mine), "--backup")
    assert mine.read_text() == "remote"
    assert (mine.parent / "a.txt~").read_text() == "mine, longer"
    mine.write_text("edited again")
    alice("get", "/a.txt", str(mine), "--backup", "--suffix", ".bak")
    assert (mine.parent / "a.txt.bak").read_text() == "edited again"
    both = alice("get", "/a.txt", str(mine), "--backup", "--no-clobber", check=False)
    assert both.returncode == 2 and "choose one" in both.stderr
    # Not taken by transfers that would otherwise go ahead for real.
    old = alice("get", "/a.txt", str(mine), "--version", "1", "--dry-run", check=False)
    assert old.returncode == 2 and "does not take" in old.stderr


def test_check_reports_differences_by_content(alice: Cli, tmp_path: Path) -> None:
    _tree(tmp_path / "docs")
    alice("put", str(tmp_path / "docs"), "/")
    same = alice("check", str(tmp_path / "docs"), "/docs")
    assert same.returncode == 0 and "4 identical, 0 differing" in same.stdout
    (tmp_path / "docs" / "sub" / "b.txt").write_bytes(b"BRAVO")
    (tmp_path / "docs" / "only-here.txt").write_text("x")
    alice("rm", "--permanent", "/docs/notes.log")
    (tmp_path / "elsewhere.txt").write_text("y")
    alice("put", str(tmp_path / "elsewhere.txt"), "/docs/sub/only-there.txt")
    (tmp_path / "docs" / "notes.log").unlink()
    differs = alice("check", str(tmp_path / "docs"), "/docs", check=False)
    assert differs.returncode == 1
    assert "differing    sub/b.txt" in differs.stdout
    assert "only local   only-here.txt" in differs.stdout
    assert "only remote  sub/only-there.txt" in differs.stdout
    assert "a.txt" not in differs.stdout.replace("b.txt", "")
    report = json.loads(
        alice("check", str(tmp_path / "docs"), "/docs", "--download", "--json", check=False).stdout
    )
    verdicts = {f["path"]: (f["verdict"], f["by"]) for f in report["files"]}
    assert verdicts["a.txt"] == ("identical", "download")
    assert verdicts["sub/b.txt"] == ("differing", "download")
    assert (report["identical"], report["differing"]) == (2, 1)
    assert (report["only_local"], report["only_remote"]) == (1, 1)
