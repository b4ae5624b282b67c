# SPDX-License-Identifier: AGPL-3.0-or-later
"""What starting the CLI imports (issue 20): `--version` and `--help` import no command and no
SDK, a command imports its own module only, and no client command imports server code."""

from __future__ import annotations

import subprocess
import sys

import typer.main
from typer._click.utils import make_default_short_help
from typer.testing import CliRunner

from sealbox.client.cli import main

# Never on a client path: the server, its database and migrations, the abuse-report inspector.
SERVER_SIDE = ("sealbox.server", "sealbox.inspector", "sqlalchemy", "alembic", "fastapi", "uvicorn")
# Not for `--version` or `--help`: any command's module, the SDK, and what the SDK stands on.
COMMAND_SIDE = ("sealbox.client.sdk", "sealbox.crypto", "pydantic", "httpx", "aiohttp", "rich")


def imported_by(*args: str) -> list[str]:
    """The modules a fresh interpreter holds after `sealbox ARGS` ran (as the console script)."""
    probe = (
        "import sys; from sealbox.entrypoint import main; sys.argv = ['sealbox', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(*sorted(k for k, v in sys.modules.items() if v), sep='\\n', file=sys.stderr)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    return shown.stderr.splitlines()


def starting_with(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [name for name in modules if name.startswith(prefixes)]


def test_version_and_help_import_no_command_and_no_sdk() -> None:
    for args in (["--version"], ["--help"], ["-h"]):
        modules = imported_by(*args)
        loaded = [m for m in modules if m.rsplit(".", 1)[-1] in main.COMMAND_MODULES.values()]
        assert loaded == [], args
        assert starting_with(modules, COMMAND_SIDE + SERVER_SIDE) == [], args


def test_client_commands_never_import_server_code() -> None:
    for command in ("put", "get", "ls", "account"):
        modules = imported_by(command, "--help")
        assert f"sealbox.client.cli.{main.COMMAND_MODULES[command]}" in modules
        assert starting_with(modules, SERVER_SIDE) == [], command
    # aiohttp is the server's (the client never imports it), Rich waits for the
    # first progress bar drawn (cli/progress.py); httpx's own command line and trio (which only
    # `mount` runs) are never loaded.
    late = ("aiohttp", "rich", "httpx._main", "pygments", "trio")
    assert starting_with(imported_by("get", "--help"), late) == []
    assert starting_with(imported_by("put", "--help"), late) == []


def test_help_lists_every_command_with_its_own_summary() -> None:
    """`sealbox --help` shows the table's summaries without loading the commands: each is the
    first sentence of the command's own help, and the page is the one the loaded commands give."""
    everything = main.make_app()
    group: typer.core.TyperGroup = typer.main.get_command(everything)  # type: ignore[assignment]
    context = group.context_class(group)
    for name, command in main.COMMANDS.items():
        loaded = group.get_command(context, name)
        assert loaded is not None and loaded.help, name
        assert make_default_short_help(loaded.help, 10_000) == command.summary, name
    runner = CliRunner()
    lazy = runner.invoke(main.make_app(lazy=True), ["--help"], prog_name="sealbox")
    full = runner.invoke(everything, ["--help"], prog_name="sealbox")
    assert lazy.exit_code == 0 and lazy.output == full.output
    for name in main.COMMANDS:
        assert f"\n  {name} " in lazy.output


def test_a_mistyped_command_is_refused_with_a_suggestion() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "sealbox", "lss"], capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 2
    assert "No such command 'lss'. Did you mean 'ls'?" in shown.stderr


def test_mount_may_still_import_trio() -> None:
    """trio is kept out of every command but `mount`, whose FUSE loop (pyfuse3) runs on it."""
    probe = (
        "import sys; from sealbox.client.cli import main\n"
        "main.skip_unused_modules('mount'); import httpcore; mount = 'trio' in sys.modules\n"
        "main.skip_unused_modules('ls'); print(mount, sys.modules.get('trio') is not None)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    # With trio installed (the mount extra), httpcore imported it for `mount`, and a later
    # call leaves an imported trio alone; without it, neither line can differ.
    assert shown.stdout.split() in (["True", "True"], ["False", "False"])
