# SPDX-License-Identifier: AGPL-3.0-or-later
"""Names others chose reach the terminal escaped (spec/metadata.md: clients SHOULD make control,
bidirectional and invisible characters visible), and scripts get them exactly with --json."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .conftest import Cli

# Each name as it is stored, and as a terminal must show it. A backslash is doubled, so that a
# name cannot print what looks like an escape of another name.
NAMES = {
    "line\nfake.pdf by alice (verified)": "line\\nfake.pdf by alice (verified)",
    "cr\roverwrite": "cr\\roverwrite",
    "tab\tname": "tab\\tname",
    "osc\x1b]0;pwned\x07title": "osc\\x1b]0;pwned\\x07title",
    "osc52\x1b]52;c;ZXZpbA==\x1b\\clip": "osc52\\x1b]52;c;ZXZpbA==\\x1b\\\\clip",
    "csi\x1b[2Jclear\x1b[31m": "csi\\x1b[2Jclear\\x1b[31m",
    "bell\x07and\x01soh": "bell\\x07and\\x01soh",
    "del\x7fname": "del\\x7fname",
    "c1\x85nel\x9bcsi": "c1\\x85nel\\x9bcsi",
    "bidi\u202etxt.exe": "bidi\\u202etxt.exe",
    "isolates\u2066a\u2067b\u2068c\u2069": "isolates\\u2066a\\u2067b\\u2068c\\u2069",
    "zero\u200bwidth": "zero\\u200bwidth",
    "seps\u2028line\u2029para": "seps\\u2028line\\u2029para",
    "back\\slash": "back\\\\slash",
    "[bold]markup[red]": "[bold]markup[red]",
    "plain é ☃.txt": "plain é ☃.txt",
}


def _assert_safe(text: str) -> None:
    """Nothing in ``text`` can drive a terminal or pass for a line of its own: every character
    is printable, apart from the newlines that end the lines the CLI itself prints."""
    raw = sorted({f"U+{ord(c):04X}" for c in text if not (c.isprintable() or c == "\n")})
    assert not raw, f"raw characters reached the terminal: {raw}\n{text!r}"


def shown(cli: Cli, *args: str, stream: str = "stdout") -> str:
    """What a command prints on ``stream``, byte for byte (no newline translation, which would
    turn a raw carriage return into a newline), both streams checked to be safe for a
    terminal."""
    done = subprocess.run(
        cli.command(*args), env=cli.env(), stdin=subprocess.DEVNULL, capture_output=True,
        timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    _assert_safe(out)
    _assert_safe(err)
    return out if stream == "stdout" else err


def test_names_are_escaped_in_listings_and_exact_in_json(alice: Cli, tmp_path: Path) -> None:
    src = tmp_path / "n"
    (src / "sub").mkdir(parents=True)
    for name in NAMES:
        (src / name).write_text(name)
        (src / "sub" / name).write_text(name)
    alice("put", str(src), "/n")

    listed = shown(alice, "ls", "/n")
    assert set(listed.splitlines()) == {*NAMES.values(), "sub/"}

    long = shown(alice, "ls", "-l", "/n")
    assert len(long.splitlines()) == len(NAMES) + 1
    for escaped in NAMES.values():
        assert any(line.endswith("  " + escaped) for line in long.splitlines()), escaped

    recursive = shown(alice, "ls", "-R", "/n")
    assert set(recursive.splitlines()) >= {f"/n/sub/{escaped}" for escaped in NAMES.values()}
    assert len(recursive.splitlines()) == 2 * len(NAMES) + 1

    drawn = shown(alice, "tree", "/n")
    lines = drawn.splitlines()
    assert len(lines) == 2 * len(NAMES) + 2  # the top, "sub", and each name twice
    for escaped in NAMES.values():
        assert sum(line.endswith("── " + escaped) for line in lines) == 2, escaped

    found = shown(alice, "find", "*", "--in", "/n/sub")
    assert set(found.splitlines()) == {f"/n/sub/{escaped}" for escaped in NAMES.values()}

    # Scripts get the exact strings.
    rows = json.loads(alice("ls", "--json", "/n").stdout)
    assert {row["name"] for row in rows} == {*NAMES, "sub"}
    rows = json.loads(alice("ls", "-R", "--json", "/n").stdout)
    assert {row["path"] for row in rows} >= {f"/n/sub/{name}" for name in NAMES}
    shape = json.loads(alice("tree", "--json", "/n").stdout)
    assert {child["name"] for child in shape["children"]} == {*NAMES, "sub"}
    rows = json.loads(alice("find", "--json", "*", "--in", "/n/sub").stdout)
    assert {row["name"] for row in rows} == set(NAMES)

    # The trash, and the notes that name what was restored.
    alice("rm", *(f"/n/sub/{name}" for name in NAMES))
    trashed = shown(alice, "trash", "ls")
    assert len(trashed.splitlines()) == len(NAMES)
    restored = shown(alice, "trash", "restore", *NAMES, stream="stderr")
    assert {f"restored /n/sub/{escaped}" for escaped in NAMES.values()} <= set(
        restored.splitlines()
    )
