# SPDX-License-Identifier: AGPL-3.0-or-later
"""The ``sealbox`` command line (docs/cli.md is generated from this file's help texts)."""

from __future__ import annotations

import gc
import os
import sys
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer

import sealbox
from sealbox.client.cli.command_table import COMMAND_MODULES, COMMANDS, LazyGroup
from sealbox.protocol import routes

__all__ = ["COMMANDS", "COMMAND_MODULES", "LazyGroup", "asks_version", "command_of", "main"]


def _version(value: bool) -> None:
    if not value:
        return
    typer.echo(
        f"sealbox {sealbox.__version__}\n"
        f"licence: {sealbox.LICENSE}; no warranty (see the LICENSE file)\n"
        f"source: the files of this installation ({Path(sealbox.__file__).parent}); every "
        f"Sealbox server hands out the code it runs at {routes.SOURCE}"
    )
    raise typer.Exit()


def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_version,
            help="Print the version, the licence and where the source is, and exit.",
        ),
    ] = False,
    server: Annotated[
        str | None, typer.Option("--server", help="Server URL (default: $SEALBOX_SERVER).")
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", help="Local state folder (default: $SEALBOX_HOME or ~/.config/sealbox)."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="No progress bars and no notices.")
    ] = False,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read passwords from standard input, one per line, instead of prompting.",
        ),
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help=(
                "Seconds the server may take to answer one request whole, or to deliver one "
                "chunk of a file (default: $SEALBOX_TIMEOUT or 300)."
            ),
        ),
    ] = None,
    debug: Annotated[
        bool,
        typer.Option(
            "-v",
            "--debug",
            help="Log what the command does (each request's method, path and status) to "
            "standard error. Never logs a password, key, token, name or id.",
        ),
    ] = False,
) -> None:
    # Imported here, not at the top: these import the SDK, which `--version`, `--help` and a
    # mistyped command never need.
    from sealbox.client.cli import debug as debug_log
    from sealbox.client.cli.context import make_options

    debug_log.enable(debug)
    ctx.obj = make_options(server, home, quiet, password_stdin, timeout)
    debug_log.log.debug(
        "sealbox %s, server %s, home %s",
        sealbox.__version__, ctx.obj.server or "(from the stored session)", ctx.obj.home,
    )  # fmt: skip


# Options of the top-level callback that take a value (skipped when looking for the command).
_VALUED = frozenset({"--server", "--home", "--timeout"})


def command_of(args: list[str]) -> str | None:
    """The command named in ``args``, or None (help, completion, a mistyped name)."""
    rest = iter(args)
    for arg in rest:
        if arg in _VALUED:
            next(rest, None)
        elif not arg.startswith("-"):
            return arg if arg in COMMAND_MODULES else None
    return None


def asks_version(args: list[str]) -> bool:
    """Whether ``args`` ask only for the version (``--version`` before any command)."""
    rest = iter(args)
    for arg in rest:
        if arg == "--version":
            return True
        if arg in _VALUED:
            next(rest, None)
        elif not arg.startswith("-"):
            return False
    return False


def make_app(command: str | None = None, *, bare: bool = False, lazy: bool = False) -> typer.Typer:
    """The CLI with every command; with only ``command``'s module when one is named; with none
    imported when ``lazy`` (help, completion and a mistyped name import on demand) or ``bare``
    (``--version`` needs none of them)."""
    app = typer.Typer(
        name="sealbox",
        cls=LazyGroup,
        no_args_is_help=True,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
        help=(
            "Sealbox: a zero-knowledge cloud drive. Everything is encrypted here, before it leaves "
            "this device. Operators: `sealbox server --help` and `sealbox admin --help`."
        ),
        epilog=(
            "\b\nScripts and shells:\n"
            "  sealbox --install-completion             # TAB completion for your shell\n"
            "  sealbox -v ls /docs                      # each request on standard error\n"
            "  sealbox mkdir --json /a/b                # errors as JSON on standard error too:\n"
            '                                           # {"error": {"code": 4, "message": "..."}}'
        ),
    )
    app.callback()(main_options)
    modules = [COMMAND_MODULES[command]] if command else dict.fromkeys(COMMAND_MODULES.values())
    for module in () if bare or lazy else modules:
        import_module(f"sealbox.client.cli.{module}").register(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole CLI, for docs/cli.md and the surface tests."""
    if name == "app":
        return make_app()
    raise AttributeError(name)


def skip_unused_modules(command: str | None) -> None:
    """Keep out work that dependencies do at start-up and that no sealbox command here uses:

    - pydantic searches every installed package's entry points for plugins the first time it
      builds a model (about 0.02 s), unless ``PYDANTIC_DISABLE_PLUGINS`` says not to;
    - two imports made only because a package happens to be installed, kept out by an
      ImportError, which is what both expect when the package is missing:
      httpx imports its own command line (click, Pygments, Rich's syntax highlighting: about
      0.04 CPU s) whenever click is installed, and then defines a stub ``httpx.main``;
      httpcore imports trio (about 0.05 CPU s) wherever it is installed, as the mount extra
      installs it, to tell a trio loop from asyncio's; only ``mount`` runs a trio loop.
    """
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    # The client's wire models are not for third-party observers.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if command != "mount":
        sys.modules.setdefault("trio", None)  # type: ignore[arg-type]


def main() -> None:
    args = sys.argv[1:]
    command = command_of(args)
    skip_unused_modules(command)
    # The objects the imports make live as long as the command. Collected as they are made,
    # they cost about 0.05 s of every start, and each older-generation collection during a
    # transfer walked all of them again (a tenth of a 1 GiB get's main thread): so the
    # collector is off while they are made, and they are frozen out of its sight after.
    gc.disable()
    try:
        app = make_app(command, bare=asks_version(args), lazy=command is None)
    finally:
        gc.freeze()
        gc.enable()
    try:
        app(args=args, prog_name="sealbox")
    finally:
        # The command is over and the process ends: the collection the interpreter would make on
        # its way out walks every object the command left alive (after listing 100,000
        # entries, about 0.1 s) to free memory the system takes back anyway.
        gc.disable()
