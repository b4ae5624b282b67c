# SPDX-License-Identifier: AGPL-3.0-or-later
"""docs/cli.md is generated from the CLI's own help, and documents every command."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> object:
    path = ROOT / "scripts" / "gen-cli-docs"
    loader = importlib.machinery.SourceFileLoader("gen_cli_docs", str(path))
    spec = importlib.util.spec_from_loader("gen_cli_docs", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_cli_docs_are_current() -> None:
    generator = _generator()
    expected = generator.render()  # type: ignore[attr-defined]
    assert (ROOT / "docs" / "cli.md").read_text() == expected, "run scripts/gen-cli-docs"


def test_every_command_is_documented_and_none_is_missing() -> None:
    generator = _generator()
    documented = (ROOT / "docs" / "cli.md").read_text()
    names = generator.commands()  # type: ignore[attr-defined]
    for name in names:
        assert f"### `{name}`" in documented, name
    required = {
        "signup", "login", "logout", "whoami", "passwd", "recover", "sessions", "account delete",
        "ls", "tree", "mkdir", "put", "get", "cat", "mv", "cp", "rm", "trash ls",
        "trash restore", "trash empty", "versions", "find", "du", "df",
    }  # fmt: skip
    assert required <= set(names)
