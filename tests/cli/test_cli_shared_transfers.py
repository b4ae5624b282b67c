# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 14 on shared folders: `shared put` and `shared get` take the options of put and get
(the same code: skip unchanged, --dry-run plans, selection, --bwlimit, --no-clobber/--backup,
the JSON summary), and every command answers in JSON, errors included (`notices counter`,
`notices appeal`, `transparency forget`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from sealbox.testing.server_process import ServerProcess

from .conftest import EMBEDDED, Cli
from .test_cli_compliance import admin, notice


def _share_for_writing(alice: Cli, bob: Cli) -> None:
    alice("mkdir", "/team")
    alice("contacts", "invite", "bob")
    bob("contacts", "accept", "alice")
    alice("share", "/team", "bob", "--write")


def _tree(top: Path) -> None:
    for name, data in {"a.txt": "alpha", "notes.log": "log lines", "sub/b.txt": "bravo"}.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_text(data)


def _json_error(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The one JSON error line a command with --json writes on standard error."""
    lines = [line for line in done.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == 1, done.stderr
    error: dict[str, object] = json.loads(lines[0])["error"]
    return error


def test_shared_put_takes_the_options_of_put(alice: Cli, bob: Cli, tmp_path: Path) -> None:
    _share_for_writing(alice, bob)
    _tree(tmp_path / "docs")
    docs = str(tmp_path / "docs")
    plan = json.loads(bob("shared", "put", docs, "team", "-n", "--exclude", "*.log",
                          "--json").stdout)  # fmt: skip
    assert plan["dry_run"] is True
    assert sorted((i["action"], i["remote"]) for i in plan["items"]) == [
        ("send", "/docs/a.txt"), ("send", "/docs/sub/b.txt"),
    ]  # fmt: skip
    assert json.loads(bob("shared", "ls", "team", "--json").stdout) == []  # nothing sent
    shown = bob("shared", "put", docs, "team", "--dry-run").stdout
    assert "would send:" in shown and "nothing changed" in shown

    sent = json.loads(bob("shared", "put", docs, "team", "--exclude", "*.log", "--bwlimit", "50M",
                          "--json").stdout)  # fmt: skip
    assert (sent["files"], sent["unchanged"], sent["failed"]) == (2, 0, 0)
    assert sent["bytes"] >= len("alphabravo") and sent["failures"] == []
    listed = json.loads(alice("ls", "-R", "/team", "--json").stdout)
    assert sorted(r["path"] for r in listed if r["type"] == "file") == [
        "/team/docs/a.txt", "/team/docs/sub/b.txt"
    ]  # fmt: skip
    # A second run leaves the unchanged files alone and sends the one not sent before.
    again = json.loads(bob("shared", "put", docs, "team", "--json").stdout)
    assert (again["files"], again["unchanged"]) == (1, 2)
    quiet = bob("shared", "put", docs, "team")
    assert "3 unchanged file(s) left alone" in quiet.stderr

    bad = bob("shared", "put", docs, "team", "--bwlimit", "fast", "--json", check=False)
    assert bad.returncode == 2 and bad.stdout == ""
    assert _json_error(bad)["code"] == 2 and "not a bandwidth" in str(_json_error(bad)["message"])


def test_shared_get_takes_the_options_of_get(alice: Cli, bob: Cli, tmp_path: Path) -> None:
    _share_for_writing(alice, bob)
    _tree(tmp_path / "docs")
    alice("put", str(tmp_path / "docs"), "/team/")
    out = tmp_path / "out"
    out.mkdir()
    # Into a folder, the whole share lands under the share's name, in the plan as for real.
    plan = json.loads(bob("shared", "get", "team", str(out), "-n", "--exclude", "sub/",
                          "--json").stdout)  # fmt: skip
    assert plan["dry_run"] is True
    assert sorted((i["action"], i["local"]) for i in plan["items"]) == [
        ("write", str(out / "team" / "docs" / "a.txt")),
        ("write", str(out / "team" / "docs" / "notes.log")),
    ]
    assert list(out.iterdir()) == []

    whole = json.loads(bob("shared", "get", "team", str(out), "--json").stdout)
    assert whole["files"] == 3 and (out / "team" / "docs" / "sub" / "b.txt").read_text() == "bravo"
    out = tmp_path / "out2"  # not there yet: the folder lands as out2, like cp -r
    got = json.loads(bob("shared", "get", "team/docs", str(out), "--include", "*.txt",
                         "--json").stdout)  # fmt: skip
    assert (got["files"], got["unchanged"], got["failed"]) == (2, 0, 0)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.*")) == ["a.txt", "sub/b.txt"]
    got = json.loads(bob("shared", "get", "team/docs", str(out), "--json").stdout)
    assert (got["files"], got["unchanged"]) == (1, 2)

    mine = out / "a.txt"
    mine.write_text("mine, longer")
    kept = bob("shared", "get", "team/docs", str(out), "--no-clobber")
    assert mine.read_text() == "mine, longer" and "--no-clobber" in kept.stderr
    plan = json.loads(bob("shared", "get", "team/docs", str(out), "--backup", "-n",
                          "--json").stdout)  # fmt: skip
    assert [(i["action"], i["local"]) for i in plan["items"] if i["action"] != "unchanged"] == [
        ("backup", str(mine))
    ]
    bob("shared", "get", "team/docs", str(out), "--backup", "--suffix", ".bak", "--bwlimit", "1M")
    assert mine.read_text() == "alpha" and (out / "a.txt.bak").read_text() == ("mine, longer")
    both = bob("shared", "get", "team/docs", str(out), "--backup", "--no-clobber", "--json",
               check=False)  # fmt: skip
    assert both.returncode == 2 and "choose one" in str(_json_error(both)["message"])


@pytest.mark.parametrize("stack", [EMBEDDED])  # the client's output; the same on both stacks
def test_counter_notice_and_appeal_answer_in_json(
    alice: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "song.txt").write_text("la la la")
    alice("put", str(tmp_path / "song.txt"), "/")
    url = alice("export", "/song.txt").stdout.strip()
    admin(server, "operators", "add", "olga")
    case = httpx.post(f"{server.url}/v1/notices", json=notice(url), timeout=30).json()["notice_id"]
    admin(server, "cases", "act", "--operator", "olga", "--", case)
    unsworn = alice("notices", "counter", "--name", "A", "--address", "B", "--phone", "C",
                    "--json", "--", case, check=False)  # fmt: skip
    assert unsworn.returncode == 2 and unsworn.stdout == ""
    assert "--under-penalty-of-perjury" in str(_json_error(unsworn)["message"])

    sworn = ("--name", "Alice A.", "--address", "1 Main St", "--phone", "+1 555 0100",
             "--under-penalty-of-perjury")  # fmt: skip
    countered = json.loads(alice("notices", "counter", *sworn, "--json", "--", case).stdout)
    assert countered["case_id"] == case
    assert 0 < countered["restore_not_before"] <= countered["restore_not_after"]
    appealed = json.loads(alice("notices", "appeal", "--reason", "mine", "--json", "--",
                                case).stdout)  # fmt: skip
    assert (appealed["case_id"], appealed["state"], appealed["reason"]) == (case, "open", "mine")
    assert appealed["appeal_id"]
    unknown = alice("notices", "appeal", "--reason", "x", "--json", "--", "not-a-case",
                    check=False)  # fmt: skip
    assert unknown.returncode == 2 and "not a case id" in str(_json_error(unknown)["message"])


@pytest.mark.parametrize("stack", [EMBEDDED])  # the client's own state; no server data involved
def test_transparency_forget_answers_in_json(alice: Cli, server: ServerProcess) -> None:
    forgot = json.loads(alice("transparency", "forget", "--yes", "--json").stdout)
    assert forgot == {"server": server.url, "forgot": False}
    alice("transparency", "verify", "--yes", check=False)  # pins the key; no canary yet
    forgot = json.loads(alice("transparency", "forget", "--yes", "--json").stdout)
    assert forgot == {"server": server.url, "forgot": True}
    asked = alice("transparency", "forget", "--json", check=False)  # no terminal to ask on
    assert asked.returncode == 2 and "pass --yes" in str(_json_error(asked)["message"])
