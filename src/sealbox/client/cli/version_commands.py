# SPDX-License-Identifier: AGPL-3.0-or-later
"""Version commands: list a file's kept versions, download one (``get --version``), make one
current again, delete them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from sealbox.client.cli.context import (
    Options,
    confirm_or_stop,
    fail,
    note,
    options,
    run,
    with_drive,
)
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import (
    Json,
    emit_json,
    format_mtime,
    human_size,
    terminal_safe,
)
from sealbox.client.cli.progress import progress_reporter
from sealbox.client.sdk import versions as sdk_versions
from sealbox.client.sdk.drive import Drive
from sealbox.crypto.tree import as_file_metadata

RemoteFile = Annotated[str, typer.Argument(help="Absolute remote path of a file.")]
Number = Annotated[int, typer.Argument(help="A version number, as `versions PATH` lists it.")]


class _ListByDefault(TyperGroup):
    """``versions PATH`` lists, as before there were subcommands: anything that is not a
    subcommand's name (a remote path starts with '/') goes to ``versions ls``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["ls", *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer) -> None:
    versions_app = typer.Typer(
        cls=_ListByDefault,
        no_args_is_help=True,
        help="A file's earlier versions: `versions PATH` lists them; download one with "
        "`get --version N`, make one current with `versions restore`, delete with `versions rm`."
        "\n\n\b\nExamples:\n"
        "  sealbox versions /docs/report.pdf              # list, newest first\n"
        "  sealbox get --version 3 /docs/report.pdf old.pdf\n"
        "  sealbox versions restore /docs/report.pdf 3    # version 3 is current again\n"
        "  sealbox versions rm --yes /docs/report.pdf 1 2\n"
        "  sealbox versions rm --yes --all /docs/report.pdf",
    )
    versions_app.command("ls")(versions_ls)
    versions_app.command("restore")(versions_restore)
    versions_app.command("rm")(versions_rm)
    app.add_typer(versions_app, name="versions")


def versions_ls(
    ctx: typer.Context,
    path: RemoteFile,
    json_out: Json = False,
) -> None:
    """List a file's earlier versions, newest first, each verified against its signed record,
    with who wrote each. The current version is not listed (`ls -l` shows it)."""
    opts = options(ctx)

    async def work(drive: Drive) -> list[dict[str, Any]]:
        rows = []
        for number, node in await drive.versions(path):
            metadata = as_file_metadata(node.metadata)
            rows.append({
                "version": number, "name": node.name, "path": path, "type": "file",
                "mtime": metadata.mtime, "size": metadata.size, "mime": metadata.mime,
                "author": drive.author(node),
            })  # fmt: skip
        return rows

    rows = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['version']:>4}  {human_size(row['size']):>10}  {format_mtime(row['mtime'])}"
            f"  {terminal_safe(row['author'])}"
        )


def get_version(
    opts: Options, sources: list[str], local: Path, number: int, json_out: bool
) -> None:
    """``get --version N REMOTE LOCAL``: one file's version ``N``, verified before any byte of
    it is written."""
    if len(sources) != 1:
        fail("--version takes exactly one REMOTE file", Exit.USAGE)
    source = sources[0]

    async def work(drive: Drive) -> Path:
        with progress_reporter(opts, None, "download") as report:
            return await sdk_versions.get_version(drive, source, number, local, report)

    written = run(lambda: with_drive(opts, work), local=local)
    if json_out:
        emit_json({"path": source, "version": number, "local": str(written)})
    else:
        note(opts, f"version {number} of {source} written to {written}")


def versions_restore(
    ctx: typer.Context, path: RemoteFile, number: Number, json_out: Json = False
) -> None:
    """Make an earlier version the current one again. It becomes a new version; the content it
    replaces is kept as a version in its turn, so nothing is lost."""
    opts = options(ctx)
    made = run(lambda: with_drive(opts, lambda d: sdk_versions.restore_version(d, path, number)))
    if json_out:
        emit_json({"path": path, "restored": number, "version": made})
    else:
        note(
            opts, f"version {number} of {terminal_safe(path)} is current again (as version {made})"
        )


def versions_rm(
    ctx: typer.Context,
    path: RemoteFile,
    numbers: Annotated[
        list[int] | None, typer.Argument(help="Version numbers to delete (or --all).")
    ] = None,
    all_versions: Annotated[
        bool, typer.Option("--all", help="Delete every earlier version; the current one stays.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    json_out: Json = False,
) -> None:
    """Delete earlier versions of a file for good, freeing their space (the current version
    stays). Asks first; --yes skips the question."""
    opts = options(ctx)
    if bool(numbers) == all_versions:
        fail("give version NUMBERS or --all", Exit.USAGE)
    which = "every earlier version" if all_versions else f"version(s) {numbers}"
    confirm_or_stop(f"Delete {which} of {path} for good?", yes)

    async def work(drive: Drive) -> list[int]:
        return await sdk_versions.remove_versions(drive, path, None if all_versions else numbers)

    removed = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json({"path": path, "removed": removed})
    else:
        note(opts, f"{len(removed)} version(s) deleted for good.")
