# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: one typer command per drive operation, each a thin call into the SDK.
"""Drive commands: ls, tree, mkdir, put, get, cat, mv, cp, rm, trash, find, du, df (versions:
version_commands.py)."""

from __future__ import annotations

import fnmatch
import sys
from contextlib import nullcontext
from dataclasses import replace
from operator import itemgetter
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from sealbox.client.cli import (
    drop_commands,
    link_commands,
    transfer_flags,
    tree_shapes,
    version_commands,
)
from sealbox.client.cli.context import (
    confirm_or_stop,
    done,
    exit_if_withheld,
    fail,
    note,
    options,
    run,
    with_drive,
)
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import (
    Json,
    duplicate_mark,
    emit_json,
    format_mtime,
    human_size,
    labelled,
    terminal_safe,
    write_out,
)
from sealbox.client.cli.transfer_flags import (
    Backup,
    BwLimit,
    Checksum,
    DryRun,
    Exclude,
    ExcludeFrom,
    Flags,
    Include,
    LinksPolicy,
    NoClobber,
    Suffix,
)
from sealbox.client.sdk import files, walks
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.drops import is_drop_link
from sealbox.client.sdk.links import is_link
from sealbox.client.sdk.local_tree import Links
from sealbox.client.sdk.tree import Folder, Node, join_path, split_path
from sealbox.client.sdk.walks import Withheld
from sealbox.crypto.layout import b64url
from sealbox.crypto.tree import FileMetadata
from sealbox.protocol.listing import collection_paused

RemotePath = Annotated[str, typer.Argument(help="Absolute remote path, such as /docs/a.txt.")]


def register(app: typer.Typer) -> None:
    for command in (ls, tree, mkdir, put, get, cat, mv, cp, rm, find, du, df):
        epilog = {put: transfer_flags.PUT_EXAMPLES, get: transfer_flags.GET_EXAMPLES}
        app.command(epilog=epilog.get(command))(command)
    trash_app = typer.Typer(help="Deleted items: list, restore, empty.", no_args_is_help=True)
    trash_app.command("ls")(trash_ls)
    trash_app.command("restore")(trash_restore)
    trash_app.command("empty")(trash_empty)
    app.add_typer(trash_app, name="trash")


def _row(path: str, node: Node) -> dict[str, Any]:
    meta = node.metadata
    kind = "folder" if node.is_folder else "file"
    if isinstance(meta, FileMetadata):
        thumbnail = meta.thumbnail is not None
        return {"name": meta.name, "path": path, "type": kind, "mtime": meta.mtime,
                "size": meta.size, "mime": meta.mime, "thumbnail": thumbnail}  # fmt: skip
    return {"name": meta.name, "path": path, "type": kind, "mtime": meta.mtime}


def _print_rows(rows: list[dict[str, Any]] | list[str], long: bool) -> None:
    """Rows, or lines already made from them (_child_lines), printed in one write: echoing row
    by row flushes once per row, which for a folder of 100,000 children cost more than
    verifying it."""
    lines = [row if isinstance(row, str) else _row_line(row, long) for row in rows]
    if lines:
        write_out("\n".join(lines))


def _row_line(row: dict[str, Any], long: bool) -> str:
    name = terminal_safe(row["path"] if row.get("recursive") else row.get("label", row["name"]))
    if row["type"] == "folder":
        name += "/"
    name += duplicate_mark(row)
    if not long:
        return name
    size = human_size(row["size"]) if row["type"] == "file" else "-"
    kind = "d" if row["type"] == "folder" else "-"
    # Who wrote it (the owner's listing of a shared folder shows members' files).
    who = f"  {terminal_safe(row['author'])}" if "author" in row else ""
    return f"{kind} {size:>10}  {format_mtime(row['mtime'])}{who}  {name}"


def ls(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Remote folder or file, or a link URL.")] = "/",
    long: Annotated[bool, typer.Option("-l", help="Type, size, date and who wrote it.")] = False,
    recursive: Annotated[bool, typer.Option("-R", help="Everything below, too.")] = False,
    json_out: Json = False,
) -> None:
    """List a folder, or what a link opens (no account needed for links). Names, sizes and dates
    come from authenticated metadata only. The owner of a drop link lists the files waiting in
    it; nobody else can list anything through a drop link."""
    opts = options(ctx)
    withheld: Withheld = []

    async def work(drive: Drive) -> list[dict[str, Any]] | list[str]:
        chain, node = await drive.walk(path)
        if node is not None and not node.is_folder:
            return [
                labelled(_row(path, node) | {"author": drive.author(node)}, drive, chain[-1], node)
            ]
        folder = chain[0] if node is None else await drive.open_folder(chain[-1], node)
        base = "" if path.rstrip("/") == "" else "/" + "/".join(split_path(path))
        if recursive:
            tree = await drive.iter_tree(folder, base, withheld)
            return [
                labelled(
                    _row(sub, child) | {"recursive": True, "author": drive.author(child)},
                    drive,
                    parent,
                    child,
                )
                for sub, parent, child in tree
            ]
        walks.note_withheld(folder, base, withheld)
        if not (long or json_out):
            return _child_lines(drive, folder, base)
        return _child_rows(drive, folder, base, authors=True)

    if is_drop_link(path):
        drop_commands.ls_drop(opts, path, long, json_out)
        return
    # One folder's rows make a few objects per child, in no cycle, that live until they are
    # printed: the collector waits until then (a walk below, -R, may be long, so not for it).
    with nullcontext() if recursive else collection_paused():
        rows: list[dict[str, Any]] | list[str]
        if is_link(path):
            rows = link_commands.ls_link(opts, path, recursive, withheld)
        else:
            rows = run(lambda: with_drive(opts, work))
        with collection_paused():
            if json_out:  # always rows, never lines (work)
                dicts = cast(list[dict[str, Any]], rows)
                emit_json([{k: v for k, v in r.items() if k != "recursive"} for r in dicts])
            else:
                _print_rows(rows, long)
    exit_if_withheld(withheld)


def _child_rows(drive: Drive, folder: Folder, base: str, authors: bool) -> list[dict[str, Any]]:
    """The rows of ``ls`` for a folder's children, sorted by name and label. Who wrote each
    child is looked up only when ``authors`` (-l and --json; a duplicate names theirs anyway)."""
    rows = []
    named, shared = _sorted_children(folder)
    for name, label, c in named:
        row = _row(f"{base}/{label}", c)
        if authors:
            row["author"] = drive.author(c)
        rows.append(labelled(row, drive, folder, c) if name in shared else row)
    return rows


def _child_lines(drive: Drive, folder: Folder, base: str) -> list[str]:
    """What ``ls`` without -l or --json prints for a folder's children: _row_line of each of
    _child_rows, made straight from each child whose name no other has (the rows' dictionaries
    cost a tenth of a second at 100,000 children, to be read for a name and a type)."""
    named, shared = _sorted_children(folder)
    lines = []
    for name, label, c in named:
        if name in shared:
            lines.append(_row_line(labelled(_row(f"{base}/{label}", c), drive, folder, c), False))
        else:
            lines.append(terminal_safe(name) + ("/" if c.is_folder else ""))
    return lines


def _sorted_children(folder: Folder) -> tuple[list[tuple[str, str, Node]], set[str]]:
    """Each child as (name, label, node), sorted by name and by label among children of one
    name, and the names several children share. Each child's label is looked up once. Two
    stable sorts on strings, the first only when some name is shared, cost less than one on
    pairs."""
    named = [(c.metadata.name, folder.label(c), c) for c in folder.children]
    shared = {name for name, nodes in folder.by_name.items() if len(nodes) > 1}
    if shared:
        named.sort(key=itemgetter(1))
    named.sort(key=itemgetter(0))
    return named, shared


def tree(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Remote folder, or a folder link URL.")] = "/",
    json_out: Json = False,
) -> None:
    """Show a folder and everything below it as a tree, or a link's (no account needed)."""
    opts = options(ctx)
    withheld: Withheld = []

    async def work(drive: Drive) -> dict[str, Any]:
        top = await drive.folder_at(path)
        base = "" if path.rstrip("/") == "" else join_path(split_path(path))

        def mark(item: dict[str, Any], parent: Folder, node: Node) -> dict[str, Any]:
            return labelled(item, drive, parent, node)

        return await tree_shapes.shape_of(drive, top, path, base, withheld, mark)

    link_commands.refuse_drop_link(path)
    if is_link(path):
        shape = link_commands.tree_link(opts, path, withheld)
    else:
        shape = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(shape)
    else:
        tree_shapes.draw(shape)
    exit_if_withheld(withheld)


def mkdir(
    ctx: typer.Context,
    path: RemotePath,
    parents: Annotated[
        bool, typer.Option("-p", help="Make missing parents; no error if it exists.")
    ] = False,
    json_out: Json = False,
) -> None:
    """Make a folder."""
    opts = options(ctx)
    run(lambda: with_drive(opts, lambda drive: drive.mkdir(path, parents)))
    if json_out:
        emit_json({"made": path})


def put(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(help="LOCAL... REMOTE: files or folders, then where (or a drop link)."),
    ],
    links: LinksPolicy = Links.SKIP,
    checksum: Checksum = False,
    dry_run: DryRun = False,
    exclude: Exclude = None,
    include: Include = None,
    exclude_from: ExcludeFrom = None,
    bwlimit: BwLimit = None,
    no_thumbnails: Annotated[
        bool,
        typer.Option(
            "--no-thumbnails",
            help="Seal no thumbnails: by default each picture gets a small one (no EXIF) for "
            "grid views.",
        ),
    ] = False,
    json_out: Json = False,
) -> None:
    """Upload files and folders, or files through a drop link (no account needed). REMOTE ending
    in / is a folder, made if missing. Files whose size and modification time match the remote
    file's are left alone (no content sent, no version added; --checksum compares contents).
    An interrupted upload resumes when the command is run again; every run of the same command
    lands in the same place (the first decides, like cp -r). A file that cannot be read is
    named, the rest is uploaded, and the command exits 1; fifos, sockets and devices are
    skipped and named."""
    opts = options(ctx)
    if len(paths) < 2:
        fail("put needs at least one LOCAL path and a REMOTE path", Exit.USAGE)
    sources, remote = [Path(p) for p in paths[:-1]], paths[-1]
    flags = Flags(checksum, dry_run, exclude, include, exclude_from, bwlimit)
    link_commands.refuse_upload_to_link(remote)
    if is_drop_link(remote):
        flags.refuse_any("put to a drop link")
        drop_commands.put_to_drop(opts, sources, remote)
        return
    transfer = replace(flags.options(), thumbnails=not no_thumbnails)
    how = transfer_flags.Run(dry_run, json_out)
    run(lambda: with_drive(
        opts, lambda drive: transfer_flags.send(opts, drive, sources, remote, links, transfer, how)
    ))  # fmt: skip
    how.note_unchanged(opts)


def get(
    ctx: typer.Context,
    paths: Annotated[
        list[str], typer.Argument(help="REMOTE... LOCAL: what, then where; or LINK [LOCAL].")
    ],
    version: Annotated[
        int | None,
        typer.Option(
            "--version", metavar="N", help="An earlier version of one file (`versions PATH`)."
        ),
    ] = None,
    checksum: Checksum = False,
    dry_run: DryRun = False,
    exclude: Exclude = None,
    include: Include = None,
    exclude_from: ExcludeFrom = None,
    bwlimit: BwLimit = None,
    no_clobber: NoClobber = False,
    backup: Backup = False,
    suffix: Suffix = "~",
    json_out: Json = False,
) -> None:
    """Download files and folders, or what a link opens (no account needed for links; LOCAL `-`
    writes a linked file to standard output). Nothing is written unless it verified; reruns
    resume, and every run of the same command lands in the same place. Local files whose size
    and modification time match the remote file's are left alone (--checksum compares
    contents). An item that fails is named, the rest is downloaded, and the command exits
    non-zero."""
    opts = options(ctx)
    flags = Flags(
        checksum, dry_run, exclude, include, exclude_from, bwlimit, no_clobber, backup, suffix
    )
    transfer = flags.options()
    if version is not None or is_link(paths[0]):
        flags.refuse_any("get --version" if version is not None else "get LINK")
    link_commands.refuse_drop_link(paths[0])
    if version is not None and len(paths) == 2 and not is_link(paths[0]):
        version_commands.get_version(opts, paths[:1], Path(paths[1]), version, False)
        return
    if version is not None:
        fail("get --version N takes one REMOTE file and a LOCAL path", Exit.USAGE)
    if is_link(paths[0]):
        if len(paths) > 2:
            fail("get LINK takes at most one LOCAL path", Exit.USAGE)
        link_commands.get_link(opts, paths[0], Path(paths[1]) if len(paths) == 2 else None)
        return
    if len(paths) < 2:
        fail("get needs at least one REMOTE path and a LOCAL path", Exit.USAGE)
    sources, local = paths[:-1], Path(paths[-1])
    how = transfer_flags.Run(dry_run, json_out)
    run(lambda: with_drive(
        opts, lambda drive: transfer_flags.receive(opts, drive, sources, local, transfer, how)
    ), local=local)  # fmt: skip
    how.note_unchanged(opts)


def cat(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Remote file, or a file link URL.")],
) -> None:
    """Write a file, or a file link's, to standard output (no account needed for links).

    Each chunk is written only after it verified."""
    opts = options(ctx)
    out = sys.stdout.buffer
    link_commands.refuse_drop_link(path)
    if is_link(path):
        link_commands.cat_link(opts, path)
        return

    async def work(drive: Drive) -> None:
        async for piece in files.stream_file(drive, path):
            out.write(piece)
        out.flush()

    run(lambda: with_drive(opts, work))


def mv(ctx: typer.Context, source: RemotePath, target: RemotePath, json_out: Json = False) -> None:
    """Move or rename a file or folder."""
    opts = options(ctx)
    run(lambda: with_drive(opts, lambda drive: drive.move(source, target)))
    if json_out:
        emit_json({"moved": source, "to": target})


def cp(ctx: typer.Context, source: RemotePath, target: RemotePath, json_out: Json = False) -> None:
    """Copy a file or folder on the server, without uploading its content again."""
    opts = options(ctx)
    run(lambda: with_drive(opts, lambda drive: drive.copy(source, target)))
    if json_out:
        emit_json({"copied": source, "to": target})


def rm(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Remote paths.")],
    permanent: Annotated[
        bool, typer.Option("--permanent", help="Delete now instead of moving to the trash.")
    ] = False,
    json_out: Json = False,
) -> None:
    """Move files and folders to the trash (or delete them with --permanent)."""
    opts = options(ctx)

    async def work(drive: Drive) -> None:
        for path in paths:
            await drive.remove(path, permanent)

    run(lambda: with_drive(opts, work))
    if json_out:
        emit_json({"deleted" if permanent else "trashed": paths})


def trash_ls(ctx: typer.Context, json_out: Json = False) -> None:
    """List what is in the trash."""
    opts = options(ctx)

    withheld: Withheld = []

    async def work(drive: Drive) -> list[dict[str, Any]] | list[str]:
        folder = await drive.trash()
        walks.note_withheld(folder, "the trash", withheld)
        return [
            labelled(_row(f"/{folder.label(c)}", c), drive, folder, c)
            for c in sorted(folder.children, key=lambda n: (n.name, folder.label(n)))
        ]

    rows = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(rows)
    else:
        _print_rows(rows, long=True)
    exit_if_withheld(withheld)


def trash_restore(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(help="Names as `trash ls` shows them.")],
    json_out: Json = False,
) -> None:
    """Put items from the trash back where they were deleted from."""
    opts = options(ctx)

    async def work(drive: Drive) -> list[str]:
        return [await drive.restore(name) for name in names]

    restored = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json({"restored": restored})
    for path in [] if json_out else restored:
        note(opts, f"restored {path}")


Yes = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def trash_empty(ctx: typer.Context, yes: Yes = False, json_out: Json = False) -> None:
    """Delete everything in the trash for good, after asking (--yes skips the question; without
    a terminal to ask on, --yes is required).

    \b
    Examples:
      sealbox trash empty                       # asks first
      sealbox trash empty --yes --json          # {"deleted": N}
    """
    opts = options(ctx)
    confirm_or_stop("Delete everything in the trash for good?", yes)
    count = run(lambda: with_drive(opts, lambda drive: drive.empty_trash()))
    done(opts, json_out, f"{count} item(s) deleted for good.", deleted=count)


def find(
    ctx: typer.Context,
    pattern: Annotated[
        str, typer.Argument(help="Shell pattern matched against names, e.g. '*.pdf'.")
    ],
    path: Annotated[str, typer.Option("--in", help="Folder to search.")] = "/",
    json_out: Json = False,
) -> None:
    """Find files and folders whose name matches a pattern."""
    opts = options(ctx)
    withheld: Withheld = []

    async def work(drive: Drive) -> list[dict[str, Any]]:
        folder = await drive.folder_at(path)
        base = "" if path.rstrip("/") == "" else join_path(split_path(path))
        return [
            labelled(_row(sub, node), drive, parent, node)
            for sub, parent, node in await drive.iter_tree(folder, base, withheld)
            if fnmatch.fnmatchcase(node.name, pattern)
        ]

    rows = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(rows)
    else:
        for row in rows:
            typer.echo(terminal_safe(row["path"]) + duplicate_mark(row))
    exit_if_withheld(withheld)


def du(ctx: typer.Context, path: RemotePath = "/", json_out: Json = False) -> None:
    """Total size and count of the files below a folder."""
    opts = options(ctx)
    withheld: Withheld = []

    async def work(drive: Drive) -> dict[str, Any]:
        folder = await drive.folder_at(path)
        base = "" if path.rstrip("/") == "" else join_path(split_path(path))
        nodes = [n for _, _, n in await drive.iter_tree(folder, base, withheld)]
        return {
            "path": path,
            "size": sum(n.size for n in nodes),
            "files": sum(1 for n in nodes if not n.is_folder),
            "folders": sum(1 for n in nodes if n.is_folder),
        }

    info = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(info)
    else:
        typer.echo(
            f"{human_size(info['size'])}  {info['files']} files  {info['folders']} folders  "
            f"{terminal_safe(path)}"
        )
    exit_if_withheld(withheld)


def df(ctx: typer.Context, json_out: Json = False) -> None:
    """Storage used by the account (as the server counts it: ciphertext, versions, trash)."""
    opts = options(ctx)

    async def work(drive: Drive) -> dict[str, Any]:
        view = await drive.api.account()
        return {
            "used": view.used_bytes,
            "quota": view.quota_bytes,
            "user_id": b64url(view.user_id),
        }

    info = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(info)
        return
    quota = "unlimited" if info["quota"] is None else human_size(info["quota"])
    typer.echo(f"used {human_size(info['used'])} of {quota}")
