# SPDX-License-Identifier: AGPL-3.0-or-later
"""File requests: ``sealbox request create|ls|accept|reject|delete`` for the owner, and
``sealbox put FILE... DROP-LINK`` for anyone holding a drop link (no account needed)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from sealbox.client.cli import exits
from sealbox.client.cli.context import (
    Options,
    done,
    fail,
    http_client,
    note,
    options,
    run,
    with_drive,
)
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.link_commands import parse_duration
from sealbox.client.cli.output import Json, emit_json, human_size, terminal_safe
from sealbox.client.cli.progress import progress_reporter
from sealbox.client.sdk import drops
from sealbox.client.sdk.drive import Drive
from sealbox.crypto.errors import IntegrityError
from sealbox.crypto.layout import b64url, from_b64url


def register(app: typer.Typer) -> None:
    request_app = typer.Typer(
        help="File requests: drop links through which anyone can upload into a folder.",
        no_args_is_help=True,
    )
    request_app.command("create")(request_create)
    request_app.command("ls")(request_ls)
    request_app.command("accept")(request_accept)
    request_app.command("reject")(request_reject)
    request_app.command("delete")(request_delete)
    app.add_typer(request_app, name="request")


def utc_time(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))


def request_create(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Remote folder that receives the files.")],
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="Lifetime, such as 30m, 12h, 7d or 2w (default: none)."),
    ] = None,
    json_out: Json = False,
) -> None:
    """Make a drop link: anyone who has it can upload into PATH, and list or read nothing. The
    server refuses uploads once it expires; files that arrived in time keep waiting for you."""
    opts = options(ctx)
    expires_in = parse_duration(expires) if expires is not None else None
    url = run(lambda: with_drive(opts, lambda d: drops.create_drop(d, path, expires_in)))[0]
    if json_out:
        emit_json({"url": url, "path": path, "expires_in": expires_in})
        return
    typer.echo(url)
    note(opts, "Files sent through it wait for you: `sealbox request ls`, then `accept`.")


def _pending_row(item: drops.Pending) -> dict[str, Any]:
    if item.dropped is None:
        return {"content_id": b64url(item.content_id), "damaged": True, "name": None,
                "size": None, "mime": None}  # fmt: skip
    meta = item.dropped.metadata
    return {"content_id": b64url(item.content_id), "damaged": False, "name": meta.name,
            "size": meta.size, "mime": meta.mime}  # fmt: skip


def _rows(owned: list[drops.OwnedDrop]) -> list[dict[str, Any]]:
    return [
        {
            "drop_id": b64url(d.view.drop_id),
            "folder": d.folder_path,
            "expires_at": d.view.expires_at,
            "url": d.url,
            "pending": [_pending_row(p) for p in d.pending],
        }
        for d in owned
    ]


def request_ls(
    ctx: typer.Context,
    json_out: Json = False,
) -> None:
    """List drop links and the files waiting in them (from anonymous senders: names unchecked)."""
    opts = options(ctx)
    rows = _rows(run(lambda: with_drive(opts, drops.list_drops)))
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        expiry = "never" if row["expires_at"] is None else utc_time(row["expires_at"])
        typer.echo(
            f"{row['drop_id']}  into {terminal_safe(row['folder'])}  expires {expiry}  "
            f"{len(row['pending'])} waiting"
        )
        for item in row["pending"]:
            if item["damaged"]:
                typer.echo(f"    {item['content_id']}  {'?':>10}  {drops.DAMAGED}; reject it")
                continue
            size = human_size(item["size"])
            name = terminal_safe(item["name"])
            typer.echo(f"    {item['content_id']}  {size:>10}  {name} (anonymous)")


def _select(owned: list[drops.OwnedDrop], which: str | None) -> list[drops.Pending]:
    items = [p for d in owned for p in d.pending]
    if which is None:
        return items
    chosen = [p for p in items if which in (b64url(p.content_id), b64url(p.drop_id))]
    if not chosen:
        fail(f"nothing waiting matches {which}", Exit.NOT_FOUND)
    return chosen


def request_accept(
    ctx: typer.Context,
    which: Annotated[
        str | None,
        typer.Argument(
            help="A file's content id or a drop id (default: all); an id that starts"
            " with - goes after --."
        ),
    ] = None,
    json_out: Json = False,
) -> None:
    """Check waiting files and add them to their folders, signed by you."""
    opts = options(ctx)

    async def work(drive: Drive) -> tuple[list[str], list[str]]:
        accepted, refused = [], []
        for item in _select(await drops.list_drops(drive), which):
            # A damaged or forged file is refused on its own; the others are still accepted.
            try:
                accepted.append(await drops.accept(drive, item))
            except IntegrityError as exc:
                refused.append(f"{b64url(item.content_id)}: {exc}")
        return accepted, refused

    accepted, refused = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json({"accepted": accepted, "refused": refused})
    for path in [] if json_out else accepted:
        note(opts, f"accepted {path}")
    if refused:
        fail("refused, left waiting: " + "; ".join(refused), Exit.INTEGRITY)


def request_reject(
    ctx: typer.Context,
    which: Annotated[
        str,
        typer.Argument(
            help="A file's content id, or a drop id for all; put an id that starts with - after --."
        ),
    ],
    json_out: Json = False,
) -> None:
    """Delete waiting files without adding them."""
    opts = options(ctx)

    async def work(drive: Drive) -> int:
        chosen = _select(await drops.list_drops(drive), which)
        for item in chosen:
            await drops.reject(drive, item)
        return len(chosen)

    count = run(lambda: with_drive(opts, work))
    done(opts, json_out, f"{count} file(s) rejected.", rejected=count)


def request_delete(
    ctx: typer.Context,
    drop: Annotated[str, typer.Argument(help="The drop id or drop link.")],
    json_out: Json = False,
) -> None:
    """Delete a drop link (and the files still waiting in it)."""
    opts = options(ctx)
    try:
        drop_id = drops.parse_drop_link(drop).drop_id if "://" in drop else from_b64url(drop)
    except ValueError as exc:
        fail(str(exc), Exit.USAGE)
    run(lambda: with_drive(opts, lambda drive: drops.delete_drop(drive, drop_id)))
    done(opts, json_out, "drop link deleted.", deleted=b64url(drop_id))


def put_to_drop(opts: Options, sources: list[Path], url: str) -> None:
    """Upload files through a drop link, with no account."""
    try:
        address = drops.parse_drop_link(url)
    except ValueError as exc:
        fail(str(exc), Exit.USAGE)

    async def work() -> int:
        state = opts.state()
        try:
            async with http_client(address.server, opts.timeout) as http:
                # The total up front: the bar never waits for a file to start (drops say none).
                total = sum(p.stat().st_size for p in sources if p.is_file())
                with progress_reporter(opts, total, "upload") as report:
                    return await drops.drop_files(
                        http, state, address, sources, progress=report.advance,
                        resumed=report.resumed,
                    )  # fmt: skip
        finally:
            state.close()

    count = run(work)
    note(opts, f"{count} file(s) delivered. The recipient sees them after accepting.")


def ls_drop(opts: Options, url: str, long: bool, json_out: bool) -> None:
    """`ls` of a drop link. Its owner sees the files waiting in it (names from anonymous
    senders, unchecked); for anyone else it opens nothing to read, which is said before any
    request (a visitor may have no account at all)."""
    try:
        address = drops.parse_drop_link(url)
    except ValueError as exc:
        fail(str(exc), Exit.USAGE)
    state = opts.state()
    try:
        logged_in = state.load_session() is not None
        here = logged_in and opts.server_url(state) == address.server.rstrip("/")
    finally:
        state.close()
    if not here:
        fail(exits.DROP_LINK_ONLY_UPLOADS, Exit.USAGE)

    async def work(drive: Drive) -> drops.OwnedDrop | None:
        owned = await drops.list_drops(drive)
        return next((d for d in owned if d.view.drop_id == address.drop_id), None)

    mine = run(lambda: with_drive(opts, work))
    if mine is None:  # someone else's drop link
        fail(exits.DROP_LINK_ONLY_UPLOADS, Exit.USAGE)
    rows = [_pending_row(p) for p in mine.pending]
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        name = f"{row['content_id']}  ({drops.DAMAGED})" if row["damaged"] else row["name"]
        shown = terminal_safe(name)
        if long:
            size = "?" if row["damaged"] else human_size(row["size"])
            typer.echo(f"- {size:>10}  {row['content_id']}  {shown} (anonymous)")
        else:
            typer.echo(shown)
    accept = f"sealbox request accept {b64url(mine.view.drop_id)}"
    note(opts, f"{len(rows)} file(s) waiting in your drop link into {mine.folder_path}: "
               f"`{accept}` adds them there.")  # fmt: skip
