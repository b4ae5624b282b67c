# SPDX-License-Identifier: AGPL-3.0-or-later
"""The thumbnail command: write a file's sealed thumbnail (spec/metadata.md, "Thumbnails")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sealbox.client.cli.context import done, fail, options, run, with_drive
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import Json
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.thumbnails import thumbnail_of
from sealbox.durability import fsync_dir


def register(app: typer.Typer) -> None:
    app.command()(thumbnail)


def thumbnail(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Remote file, such as /photos/a.jpg.")],
    out: Annotated[str, typer.Argument(help="Where to write the JPEG; - for standard output.")],
    json_out: Json = False,
) -> None:
    """Write the small JPEG picture sealed with a file at upload (`put` makes one for each
    picture unless given --no-thumbnails). It is verified with the file's metadata, like its
    name; a file without one exits 4."""
    opts = options(ctx)

    async def work(drive: Drive) -> tuple[bool, bytes | None]:
        _chain, node = await drive.walk(path)
        if node is None or node.is_folder:
            return False, None
        return True, thumbnail_of(node.metadata)

    is_file, picture = run(lambda: with_drive(opts, work))
    if not is_file:
        fail(f"{path} is a folder, not a file", Exit.USAGE)
    if picture is None:
        fail(f"{path} has no thumbnail (it was not a picture, or was put with --no-thumbnails)",
             Exit.NOT_FOUND)  # fmt: skip
    if out == "-":
        sys.stdout.buffer.write(picture)
        sys.stdout.buffer.flush()
        return
    target = Path(out)
    target.write_bytes(picture)
    fsync_dir(target.resolve().parent)
    done(opts, json_out, f"wrote the thumbnail of {path} to {out}", path=path, out=out,
         size=len(picture))  # fmt: skip
