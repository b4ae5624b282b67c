# SPDX-License-Identifier: AGPL-3.0-or-later
"""The ``sealbox`` command line (docs/cli.md is generated from this file's help texts)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

import sealbox
from sealbox.client.cli import (
    account_commands,
    check_commands,
    drive_commands,
    drop_commands,
    link_commands,
    mount_commands,
    notice_commands,
    serve_commands,
    share_commands,
    thumbnail_commands,
    transparency_commands,
    version_commands,
)
from sealbox.client.cli import debug as debug_log
from sealbox.client.cli.context import make_options
from sealbox.protocol import routes

app = typer.Typer(
    name="sealbox",
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


@app.callback()
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
    debug_log.enable(debug)
    ctx.obj = make_options(server, home, quiet, password_stdin, timeout)
    debug_log.log.debug(
        "sealbox %s, server %s, home %s",
        sealbox.__version__, ctx.obj.server or "(from the stored session)", ctx.obj.home,
    )  # fmt: skip


account_commands.register(app)
drive_commands.register(app)
check_commands.register(app)
version_commands.register(app)
link_commands.register(app)
share_commands.register(app)
drop_commands.register(app)
serve_commands.register(app)
mount_commands.register(app)
notice_commands.register(app)
transparency_commands.register(app)
thumbnail_commands.register(app)


def main() -> None:
    app(args=sys.argv[1:], prog_name="sealbox")
