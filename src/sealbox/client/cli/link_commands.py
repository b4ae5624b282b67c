# SPDX-License-Identifier: AGPL-3.0-or-later
"""Link commands: export (make, list, revoke links), import, and ``get``/``ls`` of a link URL.

Visitors need no account and no session: the server comes from the link itself. The fragment (the
link key or the password-link object) is never sent and never printed back; a password link is
unlocked before the first request, so a wrong password sends nothing.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from sealbox.client.cli import exits, tree_shapes
from sealbox.client.cli.context import (
    Options,
    done,
    exit_if_withheld,
    fail,
    http_client,
    item_notices,
    kdf_settings,
    note,
    options,
    run,
    secret,
    tell_removed,
    with_drive,
)
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import Json, emit_json, terminal_safe
from sealbox.client.cli.progress import progress_reporter
from sealbox.client.sdk import destinations, files, links, walks
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.drops import is_drop_link
from sealbox.client.sdk.errors import WrongLink
from sealbox.client.sdk.tree import Node
from sealbox.client.sdk.walks import Withheld
from sealbox.crypto.errors import ErrorCode
from sealbox.crypto.keys import LinkKey
from sealbox.crypto.layout import b64url
from sealbox.crypto.password import DEFAULT_MEMLIMIT, DEFAULT_OPSLIMIT
from sealbox.crypto.tree import FileMetadata

T = TypeVar("T")
LINK_PASSWORD_ENV = "SEALBOX_LINK_PASSWORD"  # noqa: S105  # the variable's name, not a password
DURATION = re.compile(r"^(\d+)([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def register(app: typer.Typer) -> None:
    app.command()(export)
    app.command("import")(import_)


def parse_duration(text: str) -> int:
    match = DURATION.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        fail(f"not a duration: {text!r} (use e.g. 30m, 12h, 7d or 2w)", Exit.USAGE)
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


def export(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(help="Remote file or folder to link.")] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Lifetime, such as 30m, 12h, 7d or 2w.")
    ] = None,
    max_downloads: Annotated[
        int | None,
        typer.Option("--max-downloads", min=1, help="How many times the link may be opened."),
    ] = None,
    password: Annotated[
        bool,
        typer.Option(
            "--password",
            help=f"Protect the link with a password (${LINK_PASSWORD_ENV}, --password-stdin, "
            "or a prompt). Send the password separately from the link.",
        ),
    ] = False,
    list_links: Annotated[bool, typer.Option("--list", help="List this account's links.")] = False,
    delete: Annotated[
        str | None,
        typer.Option(
            "--delete", metavar="LINK|PATH", help="Revoke a link, or every link to a path."
        ),
    ] = None,
    json_out: Json = False,
) -> None:
    """Make a public link to a file or folder; prints https://HOST/l/<id>#<key>.

    The key after # never reaches the server. Anyone with the link can download without an
    account until it expires, reaches its download limit or is revoked.
    """
    opts = options(ctx)
    if list_links:
        _list(opts, json_out)
        return
    if delete is not None:
        count = run(lambda: with_drive(opts, lambda drive: links.revoke_links(drive, delete)))
        done(opts, json_out,
             f"{count} link(s) revoked. Anyone who already opened them keeps what they got.",
             revoked=count)  # fmt: skip
        return
    if path is None:
        fail("export needs a PATH (or --list, or --delete LINK|PATH)", Exit.USAGE)
    expires_in = parse_duration(expires) if expires is not None else None
    settings = None
    if password:
        text = secret(opts, "link password", env=LINK_PASSWORD_ENV, confirm=True)
        cost = kdf_settings()
        settings = links.PasswordSettings(
            text, cost.get("opslimit", DEFAULT_OPSLIMIT), cost.get("memlimit", DEFAULT_MEMLIMIT)
        )

    async def work(drive: Drive) -> dict[str, Any]:
        url, view = await links.create_link(
            drive, path, expires_in=expires_in, max_downloads=max_downloads, password=settings
        )
        return {
            "url": url,
            "link_id": b64url(view.link_id),
            "path": path,
            "type": view.node_type,
            "expires_at": view.expires_at,
            "max_downloads": view.max_downloads,
            "password": password,
        }

    made = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(made)
    else:
        typer.echo(made["url"])
    if password:
        note(
            opts,
            "The password protects the link if the URL leaks; someone who has the URL can still "
            "try passwords offline, so use a long one.",
        )


def _list(opts: Options, json_out: bool) -> None:
    withheld: Withheld = []
    owned = run(lambda: with_drive(opts, lambda drive: links.list_links(drive, withheld)))
    rows: list[dict[str, Any]] = [
        {
            "link_id": b64url(o.view.link_id),
            "path": o.path,
            "type": o.view.node_type,
            "expires_at": o.view.expires_at,
            "downloads": o.view.downloads,
            "max_downloads": o.view.max_downloads,
        }
        for o in owned
    ]
    if json_out:
        emit_json(rows)
    else:
        for row in rows:
            expiry = "never" if row["expires_at"] is None else _utc(row["expires_at"])
            limit = "" if row["max_downloads"] is None else f"/{row['max_downloads']}"
            where = terminal_safe(row["path"]) if row["path"] else "(not in the drive)"
            typer.echo(
                f"{row['link_id']}  expires {expiry}  downloads {row['downloads']}{limit}  {where}"
            )
    # A link to a withheld node shows as not in the drive: say why.
    exit_if_withheld(withheld)


def _utc(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))


def import_(
    ctx: typer.Context,
    link: Annotated[str, typer.Argument(help="The link URL, with its #key part.")],
    remote: Annotated[str, typer.Argument(help="Remote folder (or new name) to put it in.")] = "/",
    json_out: Json = False,
) -> None:
    """Copy a linked file or folder into your drive without downloading or uploading it."""
    opts = options(ctx)
    refuse_drop_link(link)
    address, key = _unlock(opts, link)

    async def work(drive: Drive) -> str:
        if address.server.rstrip("/") != drive.session.server.rstrip("/"):
            fail("the link is on another server than your account; use `get` instead")
        async with http_client(address.server, opts.timeout) as http:
            visitor = await links.open_link(http, opts.state(), address, key)
            return await links.import_link(drive, visitor, remote)

    imported = run(lambda: with_drive(opts, work))
    done(opts, json_out, f"imported to {imported}", imported=imported)


# Visiting a link: used by `get`, `ls`, `tree` and `cat` when their argument is a link URL.


def refuse_drop_link(text: str) -> None:
    """A drop link only takes uploads: a command that reads says so (exit 2) before any request,
    rather than taking the URL for a remote path. Its owner lists it with `ls` (drop_commands)."""
    if is_drop_link(text):
        fail(exits.DROP_LINK_ONLY_UPLOADS, Exit.USAGE)


def refuse_upload_to_link(text: str) -> None:
    """A (download) link as the target of `put`: nothing can be sent through it; say so."""
    if links.is_link(text):
        fail(exits.LINK_ONLY_DOWNLOADS, Exit.USAGE)


def _unlock(opts: Options, url: str) -> tuple[links.LinkAddress, LinkKey]:
    """Parse the URL and unlock its key locally, before any request."""
    try:
        address = links.parse_link(url)
    except ValueError as exc:
        fail(f"{exits.WRONG_LINK} ({exc})", Exit.USAGE)
    ask = None
    if address.needs_password:

        def ask() -> str:
            return secret(opts, "link password", env=LINK_PASSWORD_ENV)

    def unlock() -> LinkKey:
        try:
            return links.link_key(address, ask)
        except ValueError as exc:  # a key part of the wrong length, or not base64url
            raise WrongLink(ErrorCode.MALFORMED, str(exc)) from exc

    return address, run(_immediate(unlock))


def _immediate(make: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    async def call() -> T:
        return make()

    return call


async def _visit(
    opts: Options, address: links.LinkAddress, key: LinkKey, work: Callable[..., Awaitable[T]]
) -> T:
    state = opts.state()
    visitor: links.OpenedLink | None = None
    try:
        async with http_client(address.server, opts.timeout) as http:
            visitor = await links.open_link(http, state, address, key)
            return await work(visitor)
    finally:
        state.close()
        if visitor is not None:
            tell_removed(visitor.noticed, owner=False)


def get_link(opts: Options, url: str, local: Path | None) -> None:
    """Download what a link opens: a file, or a folder's whole subtree; LOCAL ``-`` writes a
    linked file to standard output, each chunk only after it verified."""
    address, key = _unlock(opts, url)
    if local == Path("-"):
        run(lambda: _visit(opts, address, key, _to_stdout))
        return

    async def work(visitor: links.OpenedLink) -> None:
        # As for `get` in the drive: a rerun of a folder download lands where the first did.
        given = local if local is not None else Path(".")
        journal = destinations.journal_key(
            "get", f"link:{b64url(address.link_id)}", [], str(given.absolute())
        )
        planned = destinations.remembered(visitor.state, journal, 1)
        dest = Path(planned[0]) if planned else given / visitor.name if given.is_dir() else given
        if visitor.is_folder and not planned:
            destinations.remember(visitor.state, journal, [str(dest)])
        with progress_reporter(opts, None, "download") as report:
            report = item_notices(opts, report)
            if visitor.is_folder:
                await files.get_tree(visitor, await visitor.root(), dest, report)
            else:
                file_key, metadata = visitor.file()
                await files.get_file(visitor, file_key, metadata, dest, report)

    run(lambda: _visit(opts, address, key, work), local=local)


def cat_link(opts: Options, url: str) -> None:
    """`cat` of a link: the linked file on standard output, as `get LINK -`."""
    address, key = _unlock(opts, url)

    async def work(visitor: links.OpenedLink) -> None:
        if visitor.is_folder:
            fail("the link opens a folder: `sealbox ls LINK` lists it and `sealbox get LINK "
                 "DIR` downloads it", Exit.USAGE)  # fmt: skip
        await _to_stdout(visitor)

    run(lambda: _visit(opts, address, key, work))


async def _to_stdout(visitor: links.OpenedLink) -> None:
    if visitor.is_folder:
        fail("the link opens a folder, which cannot be written to standard output: give a "
             "LOCAL folder", Exit.USAGE)  # fmt: skip
    file_key, metadata = visitor.file()
    out = sys.stdout.buffer
    async for piece in files.stream_content(visitor, file_key, metadata):
        out.write(piece)
    out.flush()


def ls_link(opts: Options, url: str, recursive: bool, withheld: Withheld) -> list[dict[str, Any]]:
    """Rows for `ls` of a link: the file itself, or the linked folder's children. Folders whose
    items the server withheld go into ``withheld`` for the caller to report."""
    address, key = _unlock(opts, url)

    async def work(visitor: links.OpenedLink) -> list[dict[str, Any]]:
        if not visitor.is_folder:
            _, metadata = visitor.file()
            return [_row(f"/{metadata.name}", metadata.name, "file", metadata)]
        root = await visitor.root()
        if recursive:
            tree = await visitor.iter_tree(root, "", withheld)
            return [_node_row(sub, child) | {"recursive": True} for sub, _, child in tree]
        walks.note_withheld(root, "/", withheld)
        # A name two children share is shown as the label that opens each alone (NAME@ID).
        return [
            _node_row(f"/{root.label(c)}", c)
            | ({"label": root.label(c)} if len(root.named(c.name)) > 1 else {})
            for c in sorted(root.children, key=lambda n: (n.name, root.label(n)))
        ]

    return run(lambda: _visit(opts, address, key, work))


def tree_link(opts: Options, url: str, withheld: Withheld) -> dict[str, Any]:
    """`tree` of a link: the linked folder and everything below it (a file link: the file)."""
    address, key = _unlock(opts, url)

    async def work(visitor: links.OpenedLink) -> dict[str, Any]:
        if not visitor.is_folder:
            _, metadata = visitor.file()
            return {"name": metadata.name, "type": "file", "size": metadata.size}
        root = await visitor.root()
        return await tree_shapes.shape_of(
            visitor, root, visitor.name, "", withheld, tree_shapes.label_only
        )

    return run(lambda: _visit(opts, address, key, work))


def _node_row(path: str, node: Node) -> dict[str, Any]:
    kind = "folder" if node.is_folder else "file"
    return _row(path, node.name, kind, node.metadata)


def _row(path: str, name: str, kind: str, metadata: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"name": name, "path": path, "type": kind, "mtime": metadata.mtime}
    if isinstance(metadata, FileMetadata):
        row |= {"size": metadata.size, "mime": metadata.mime}
    return row
