# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox mount``: the decrypted drive as a local folder, through FUSE (docs/access.md)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from sealbox.client.access import DriveHandle, stored_login
from sealbox.client.cli.context import fail, options, run
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import terminal_safe


def register(app: typer.Typer) -> None:
    app.command("mount")(mount_command)


def mount_command(
    ctx: typer.Context,
    remote: Annotated[str, typer.Argument(help="The drive folder to mount, e.g. / or /docs.")],
    mountpoint: Annotated[Path, typer.Argument(help="An empty local folder to mount it on.")],
    read_only: Annotated[bool, typer.Option("--read-only", help="Refuse every change.")] = False,
    cache_seconds: Annotated[
        float,
        typer.Option(
            "--cache-seconds",
            help="How long a verified listing is reused; changes made elsewhere show after it.",
        ),
    ] = 2.0,
) -> None:
    """Mount REMOTE at MOUNTPOINT until Ctrl-C, SIGTERM or `fusermount3 -u MOUNTPOINT`.

    Files are decrypted here, a chunk at a time as programs read them; writes upload when a
    file is closed. Anything the server returns that does not verify is an input/output error
    (EIO), logged with its reason, never wrong bytes."""
    opts = options(ctx)
    if not remote.startswith("/"):
        fail(f"remote paths start with '/': {remote}", Exit.USAGE)
    if not mountpoint.is_dir():
        fail(f"not a folder on this device: {mountpoint}", Exit.USAGE)
    if any(mountpoint.iterdir()):
        fail(f"{mountpoint} is not empty: mount on an empty folder", Exit.USAGE)
    if not 0 <= cache_seconds <= 3600:
        fail("--cache-seconds is between 0 and 3600", Exit.USAGE)
    if not os.path.exists("/dev/fuse"):
        fail("FUSE is not available here (/dev/fuse is missing)", Exit.ERROR)
    try:
        from sealbox.client.mount import mount  # pyfuse3 is loaded only by this command
    except ImportError:
        fail(
            "sealbox mount needs pyfuse3: pip install 'sealbox[mount]' (with libfuse3-dev and "
            "pkg-config installed; Debian: apt-get install libfuse3-dev pkg-config)",
            Exit.ERROR,
        )

    state = opts.state()
    try:
        server = opts.server_url(state)
    finally:
        state.close()
    opener = stored_login(opts.home, server, opts.timeout)
    handle: DriveHandle = run(lambda: asyncio.to_thread(DriveHandle, opener, cache_seconds))
    logging.basicConfig(format="sealbox: %(message)s", level=logging.WARNING)
    try:
        if not handle.stat(remote).is_folder:
            fail(f"not a folder: {remote}", Exit.USAGE)
        mount(handle, remote, mountpoint, ttl=cache_seconds, read_only=read_only,
              ready=lambda: _announce(remote, mountpoint, read_only))  # fmt: skip
    except FileNotFoundError:
        fail(f"no such folder in the drive: {remote}", Exit.NOT_FOUND)
    except RuntimeError as exc:  # pyfuse3's "fuse_session_mount failed"
        fail(f"cannot mount on {mountpoint}: {exc}", Exit.ERROR)
    finally:
        handle.close()


def _announce(remote: str, mountpoint: Path, read_only: bool) -> None:
    mode = " (read-only)" if read_only else ""
    typer.echo(f"Mounted {terminal_safe(remote)} at {terminal_safe(str(mountpoint))}{mode}")
    typer.echo(f"Stop with Ctrl-C or `fusermount3 -u {terminal_safe(str(mountpoint))}`.", err=True)
