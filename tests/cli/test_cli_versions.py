# SPDX-License-Identifier: AGPL-3.0-or-later
"""Earlier versions through the real CLI: download, restore, delete; emptying the trash asks."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Cli


def test_an_old_version_can_be_downloaded_restored_and_deleted(alice: Cli, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    for text in ("first\n", "second\n", "third\n"):
        note.write_text(text)
        alice("put", str(note), "/note.txt")
    kept = json.loads(alice("versions", "--json", "/note.txt").stdout)
    assert len(kept) == 2
    newest, oldest = kept[0]["version"], kept[1]["version"]
    assert json.loads(alice("versions", "ls", "--json", "/note.txt").stdout) == kept

    out = tmp_path / "out"
    out.mkdir()
    alice("get", "--version", str(oldest), "/note.txt", str(out))
    assert (out / "note.txt").read_text() == "first\n"
    alice("get", "--version", str(newest), "/note.txt", str(out / "second.txt"))
    assert (out / "second.txt").read_text() == "second\n"
    missing = alice("get", "--version", "999", "/note.txt", str(out / "x"), check=False)
    assert missing.returncode == 4 and "no version 999" in missing.stderr
    assert not (out / "x").exists()

    restored = json.loads(alice("versions", "restore", "--json", "/note.txt", str(oldest)).stdout)
    assert alice("cat", "/note.txt").stdout == "first\n"
    after = json.loads(alice("versions", "/note.txt", "--json").stdout)
    assert restored["version"] > after[0]["version"]  # "third" is now the newest kept version
    assert len(after) == 3

    refused = alice("versions", "rm", "/note.txt", str(newest), check=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    alice("versions", "rm", "--yes", "/note.txt", str(newest))
    left = [v["version"] for v in json.loads(alice("versions", "--json", "/note.txt").stdout)]
    assert newest not in left and len(left) == 2
    alice("versions", "rm", "--yes", "--all", "/note.txt")
    assert json.loads(alice("versions", "--json", "/note.txt").stdout) == []
    assert alice("cat", "/note.txt").stdout == "first\n"


def test_emptying_the_trash_asks_first(alice: Cli) -> None:
    alice("mkdir", "/old")
    alice("rm", "/old")
    refused = alice("trash", "empty", check=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert json.loads(alice("trash", "ls", "--json").stdout) != []
    alice("trash", "empty", "--yes")
    assert json.loads(alice("trash", "ls", "--json").stdout) == []
