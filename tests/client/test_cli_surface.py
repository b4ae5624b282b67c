# SPDX-License-Identifier: AGPL-3.0-or-later
"""The CLI's own surface: version, short help, operator help (issues 14 and 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

import sealbox
from sealbox.client.cli.main import app


def sealbox_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sealbox", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env},
    )


def test_version_names_the_release_the_licence_and_where_the_source_is() -> None:
    result = sealbox_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"sealbox {sealbox.__version__}\n")
    assert "AGPL-3.0-or-later" in result.stdout
    assert "/v1/source" in result.stdout


def test_short_help_works_for_the_program_and_its_commands() -> None:
    for args in (("-h",), ("ls", "-h"), ("trash", "-h"), ("server", "-h"), ("admin", "-h")):
        result = sealbox_cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.startswith("Usage: "), args


def test_operator_help_prints_urls_with_brackets_instead_of_crashing() -> None:
    result = sealbox_cli("server", "--help")
    assert result.returncode == 0, result.stderr
    assert "s3://bucket[/prefix]" in result.stdout
    assert "Traceback" not in result.stderr


def test_shell_completion_installs_and_completes_commands(tmp_path: Path) -> None:
    # The shell is named rather than detected: typer finds it among the test's ancestor
    # processes, and a test run started outside any shell (in the background) has none.
    installed = sealbox_cli(
        "--install-completion", "bash", HOME=str(tmp_path), SHELL="/bin/bash",
        _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1",
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    script = (tmp_path / ".bash_completions" / "sealbox.sh").read_text()
    assert "_SEALBOX_COMPLETE=complete_bash" in script
    assert ".bash_completions/sealbox.sh" in (tmp_path / ".bashrc").read_text()
    # What bash runs on TAB, through the script above.
    words = {"_SEALBOX_COMPLETE": "complete_bash", "COMP_CWORD": "2"}
    completed = sealbox_cli(**words, COMP_WORDS="sealbox versions r")
    assert completed.stdout.split() == ["restore", "rm"]


# Commands without --json by nature: content on standard output, a server that runs until
# stopped (a script reads their exit status), or JSON whatever is asked (`account export`).
WITHOUT_JSON = {"cat", "mount", "serve webdav", "account export"}


def _leaf_commands() -> dict[str, Any]:
    """Every command a user can run, by its words ("trash empty"); typer's own Click classes."""
    root: Any = typer.main.get_command(app)
    context = root.context_class(root)
    found: dict[str, Any] = {}
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        prefix, command = stack.pop()
        if hasattr(command, "list_commands"):
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None
                stack.append((f"{prefix} {name}".strip(), sub))
        else:
            found[prefix] = command
    return found


def test_every_command_answers_in_json() -> None:
    """Issue 14: `--json` on every command, including the ones that change things."""
    commands = _leaf_commands()
    assert WITHOUT_JSON <= set(commands)
    lacking = {
        name
        for name, command in commands.items()
        if not any("--json" in getattr(p, "opts", ()) for p in command.params)
    }
    assert lacking == WITHOUT_JSON


def test_each_command_loads_only_its_module_and_the_table_matches_the_modules() -> None:
    """main.COMMAND_MODULES names the module of every top-level command, so a command imports
    only that module; a command added to a module but not to the table fails here."""
    from importlib import import_module

    from sealbox.client.cli import main

    registered: dict[str, str] = {}
    for module in dict.fromkeys(main.COMMAND_MODULES.values()):
        scratch = typer.Typer()
        import_module(f"sealbox.client.cli.{module}").register(scratch)
        names = [
            c.name or c.callback.__name__.replace("_", "-") for c in scratch.registered_commands
        ]  # type: ignore[union-attr]
        names += [str(g.name) for g in scratch.registered_groups]
        registered.update(dict.fromkeys(names, module))
    assert registered == main.COMMAND_MODULES
    assert main.command_of(["--server", "http://x", "-q", "--home", "h", "ls", "/"]) == "ls"
    assert main.command_of(["--timeout", "5", "put", "a"]) == "put"
    assert main.command_of(["--help"]) is None and main.command_of(["lss"]) is None
    shown = sealbox_cli("--server", "http://127.0.0.1:9", "ls", "-h")
    assert shown.returncode == 0 and "Usage: sealbox ls" in shown.stdout, shown.stderr


def test_version_loads_no_command_module() -> None:
    """`sealbox --version` answers without importing any command's module (it needs none)."""
    probe = (
        "import sys; from sealbox.client.cli import main; sys.argv = ['sealbox', '--version']\n"
        "try:\n    main.main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('sealbox.client.cli.')"
        " and m.rsplit('.', 1)[1] in main.COMMAND_MODULES.values()))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert shown.stdout.splitlines()[0].startswith("sealbox ")
    assert shown.stdout.splitlines()[-1] == "[]", shown.stdout
    from sealbox.client.cli import main

    assert main.asks_version(["--server", "http://x", "--version"])
    assert not main.asks_version(["ls", "--version"]) and not main.asks_version(["-q"])
