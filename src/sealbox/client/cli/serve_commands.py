# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox serve webdav``: the decrypted drive for programs that speak WebDAV (docs/access.md)."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from sealbox.client.access import DriveHandle, stored_login
from sealbox.client.cli.context import Options, fail, options, run
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import terminal_safe
from sealbox.client.webdav import USER, DavServer, DriveProvider, make_app, new_token

TOKEN_ENV = "SEALBOX_WEBDAV_TOKEN"  # noqa: S105 - the variable's name, not a password

HOST_HELP = "Address to listen on; anything but loopback exposes the decrypted drive."


def register(app: typer.Typer) -> None:
    serve_app = typer.Typer(
        help="Serve the decrypted drive to other programs on this device.", no_args_is_help=True
    )
    serve_app.command("webdav")(webdav)
    app.add_typer(serve_app, name="serve")


def webdav(
    ctx: typer.Context,
    remote: Annotated[str, typer.Argument(help="The drive folder to serve.")] = "/",
    host: Annotated[str, typer.Option("--host", help=HOST_HELP)] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0: any free one).")] = 8080,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Refuse every change (PUT, MKCOL, MOVE, ...).")
    ] = False,
    cache_seconds: Annotated[
        float,
        typer.Option("--cache-seconds", help="How long a verified folder listing is reused."),
    ] = 2.0,
) -> None:
    """Serve REMOTE as a WebDAV share, decrypted here (loopback only by default).

    Every request needs basic auth: user `sealbox`, password a token printed at start (or
    $SEALBOX_WEBDAV_TOKEN). Anything the server returns that does not verify is an error (502,
    or a response cut short), never wrong bytes. Stop with Ctrl-C."""
    opts = options(ctx)
    if not remote.startswith("/"):
        fail(f"remote paths start with '/': {remote}", Exit.USAGE)
    handle = _open(opts, cache_seconds)
    try:
        if not handle.stat(remote).is_folder:
            fail(f"not a folder: {remote}", Exit.USAGE)
        provider = DriveProvider(handle, remote, read_only, warn=_warn, note=_note)
        token = os.environ.get(TOKEN_ENV) or new_token()
        server = DavServer(make_app(provider, token), host, port)
        _announce(server.url, remote, host, read_only, token, from_env=TOKEN_ENV in os.environ)
        _serve(server)
    except FileNotFoundError:
        fail(f"no such folder in the drive: {remote}", Exit.NOT_FOUND)
    except OSError as exc:
        fail(f"cannot serve: {exc.strerror or exc}", Exit.ERROR)
    finally:
        handle.close()


def _open(opts: Options, cache_seconds: float) -> DriveHandle:
    if not 0 <= cache_seconds <= 3600:
        fail("--cache-seconds is between 0 and 3600", Exit.USAGE)
    state = opts.state()
    try:
        server = opts.server_url(state)
    finally:
        state.close()
    opener = stored_login(opts.home, server, opts.timeout)
    # Through ``run``: not being logged in, or a server that lies, ends with the usual message.
    return run(lambda: asyncio.to_thread(DriveHandle, opener, cache_seconds, note=_note))


def _announce(
    url: str, remote: str, host: str, read_only: bool, token: str, from_env: bool
) -> None:
    mode = " (read-only)" if read_only else ""
    typer.echo(f"Serving {terminal_safe(remote)} over WebDAV at {url}{mode}")
    typer.echo(f"user: {USER}")
    typer.echo(f"password: {'(from $' + TOKEN_ENV + ')' if from_env else token}")
    if not _loopback(host):
        typer.echo(
            f"sealbox: warning: listening on {host}: plain HTTP, so the password and the "
            "decrypted files cross the network readable by anyone on the way",
            err=True,
        )
    typer.echo("Stop with Ctrl-C.", err=True)
    sys.stdout.flush()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _serve(server: DavServer) -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _warn(message: str) -> None:
    typer.echo(f"sealbox: refused: {terminal_safe(message)}", err=True)


def _note(message: str) -> None:
    """An item the operator removed after a decision: not tampering, but never silent."""
    typer.echo(f"sealbox: note: {terminal_safe(message)}", err=True)
