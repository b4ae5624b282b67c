# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: one typer command per sharing operation, each a thin call into the SDK.
"""Sharing with other accounts: contacts and safety numbers, share/unshare, shares, and working
inside folders others shared with you (``sealbox shared ...``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sealbox.client.cli import exits, transfer_flags
from sealbox.client.cli.context import (
    Options,
    done,
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
from sealbox.client.sdk import contacts, shares
from sealbox.client.sdk.account import normalize_username
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.local_tree import Links
from sealbox.client.sdk.tree import join_path, split_path
from sealbox.crypto.layout import b64url
from sealbox.crypto.tree import FileMetadata

UNVERIFIED = " (unverified)"


def register(app: typer.Typer) -> None:
    contacts_app = typer.Typer(
        help="People you share with: invitations, pinned keys and safety numbers.",
        invoke_without_command=True,
    )
    contacts_app.callback()(contacts_list)
    contacts_app.command("ls")(contacts_ls)
    contacts_app.command("invite")(contacts_invite)
    contacts_app.command("accept")(contacts_accept)
    contacts_app.command("decline")(contacts_decline)
    contacts_app.command("remove")(contacts_remove)
    contacts_app.command("verify")(contacts_verify)
    app.add_typer(contacts_app, name="contacts")
    app.command()(share)
    app.command()(unshare)
    app.command("shares")(shares_list)
    shared_app = typer.Typer(
        help="Folders others shared with you: ls, get, put, rm.", no_args_is_help=True
    )
    shared_app.command("ls")(shared_ls)
    shared_app.command("get")(shared_get)
    shared_app.command("put")(shared_put)
    shared_app.command("mv")(shared_mv)
    shared_app.command("rm")(shared_rm)
    app.add_typer(shared_app, name="shared")


def contacts_list(ctx: typer.Context, json_out: Json = False) -> None:
    """List contacts, invitations (sent and received) and pinned keys, with verification state."""
    if ctx.invoked_subcommand is not None:
        return
    _print_contacts(options(ctx), json_out)


def contacts_ls(ctx: typer.Context, json_out: Json = False) -> None:
    """List contacts, invitations (sent and received) and pinned keys, with verification state."""
    _print_contacts(options(ctx), json_out)


def _print_contacts(opts: Options, json_out: bool) -> None:
    async def work(drive: Drive) -> list[dict[str, Any]]:
        return [
            {
                "username": c.username,
                "user_id": b64url(c.user_id),
                "state": c.state,
                "pinned": c.pinned,
                "verified": c.verified,
                "key_changed": c.key_changed,
            }
            for c in await contacts.listing(drive.session)
        ]

    rows = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        if row["key_changed"]:
            mark = " (KEY CHANGED: compare safety numbers with `contacts verify`)"
        else:
            mark = "" if row["verified"] else UNVERIFIED
        state = "" if row["state"] == "contact" else f"  [{row['state']}]"
        typer.echo(f"{terminal_safe(row['username'])}{mark}{state}")


User = Annotated[str, typer.Argument(help="Their username.")]


def contacts_invite(ctx: typer.Context, username: User, json_out: Json = False) -> None:
    """Invite USER to be your contact (pinning their key, unverified until you compare safety
    numbers). Only contacts can share folders with each other."""
    opts = options(ctx)
    found = run(lambda: with_drive(opts, lambda drive: contacts.invite(drive.session, username)))
    state = "verified" if found.verified else "unverified: compare with `contacts verify`"
    done(opts, json_out, f"invited {found.username} ({state}); they accept with `contacts accept`.",
         invited=found.username, verified=found.verified)  # fmt: skip


def contacts_accept(ctx: typer.Context, username: User, json_out: Json = False) -> None:
    """Accept USER's invitation (pinning their key on first sight)."""
    opts = options(ctx)
    found = run(lambda: with_drive(opts, lambda drive: contacts.accept(drive.session, username)))
    state = "verified" if found.verified else "unverified: compare with `contacts verify`"
    done(opts, json_out, f"{found.username} is now your contact ({state}).",
         contact=found.username, verified=found.verified)  # fmt: skip


def contacts_decline(ctx: typer.Context, username: User, json_out: Json = False) -> None:
    """Decline USER's invitation."""
    opts = options(ctx)
    run(lambda: with_drive(opts, lambda drive: contacts.decline(drive.session, username)))
    who = normalize_username(username)
    done(opts, json_out, f"declined the invitation from {who}.", declined=who)


def contacts_remove(
    ctx: typer.Context,
    username: User,
    forget_key: Annotated[
        bool,
        typer.Option("--forget-key", help="Also forget their pinned key (start again from TOFU)."),
    ] = False,
    json_out: Json = False,
) -> None:
    """End the contact with USER (or withdraw your invitation). Folders already shared between
    you stay shared: unshare them with `sealbox unshare` (which also replaces the keys)."""
    opts = options(ctx)
    run(lambda: with_drive(opts, lambda d: contacts.remove(d.session, username, forget_key)))
    who = normalize_username(username)
    done(opts, json_out, f"{who} removed; existing shares are unchanged.", removed=who)


def contacts_verify(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Their username.")],
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm", help="The numbers matched: mark them verified (or accept a new key)."
        ),
    ] = False,
    json_out: Json = False,
) -> None:
    """Show the safety number you and USER compare (in person or by voice)."""
    opts = options(ctx)
    check = run(
        lambda: with_drive(opts, lambda drive: contacts.verify(drive.session, username, confirm))
    )
    if json_out:
        emit_json({
            "username": check.username, "safety_number": check.safety_number,
            "verified": check.verified, "key_changed": check.key_changed,
        })  # fmt: skip
        return
    if check.key_changed:
        typer.echo(
            f"WARNING: the identity key of {terminal_safe(check.username)} changed since you "
            "first saw it. Someone may be impersonating them. Compare the number below before "
            "--confirm.",
            err=True,
        )
    typer.echo(check.safety_number)
    if check.verified:
        note(opts, f"{check.username} is verified.")
    else:
        note(
            opts, f"{check.username} is unverified. If the numbers match, run again with --confirm."
        )


def share(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Remote folder to share.")],
    username: Annotated[str, typer.Argument(help="Who to share it with.")],
    read: Annotated[bool, typer.Option("--read", help="They may read.")] = False,
    write: Annotated[bool, typer.Option("--write", help="They may read and write.")] = False,
    json_out: Json = False,
) -> None:
    """Share a folder with another account. Their key is pinned on first use; a changed key is
    refused until you compare safety numbers again (`sealbox contacts verify USER`)."""
    opts = options(ctx)
    if read == write:
        fail("say --read or --write", Exit.USAGE)
    rights = shares.WRITE if write else shares.READ

    async def work(drive: Drive) -> bool:
        await shares.share_folder(drive, path, username, rights)
        return (await contacts.identity(drive.session, username)).verified

    verified = run(lambda: with_drive(opts, work))
    name = normalize_username(username)
    done(opts, json_out, f"shared {path} with {name}{'' if verified else UNVERIFIED}.",
         shared=path, username=name, rights="write" if write else "read",
         verified=verified)  # fmt: skip


def unshare(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Remote shared folder.")],
    username: Annotated[str, typer.Argument(help="Who loses access.")],
    json_out: Json = False,
) -> None:
    """Stop sharing a folder with USER and give the folder and every folder below it new keys
    for what is written next. They keep what they already downloaded."""
    opts = options(ctx)
    run(lambda: with_drive(opts, lambda drive: shares.unshare(drive, path, username)))
    done(opts, json_out,
         f"{path} is no longer shared with {username}; its folder keys were replaced.",
         unshared=path, username=normalize_username(username))  # fmt: skip


def shares_list(ctx: typer.Context, json_out: Json = False) -> None:
    """List folders you share (outgoing) and folders shared with you (incoming)."""
    opts = options(ctx)

    async def work(drive: Drive) -> tuple[list[dict[str, Any]], shares.IncomingShares]:
        pins = {c.pin.user_id: c.verified for c in contacts.contacts(drive.session)}
        listing = await drive.api.shares()
        paths = {}
        if listing.outgoing:
            root = await drive.root()
            paths = {n.node_id: p for p, _, n in await drive.iter_tree(root)}
        rows: list[dict[str, Any]] = []
        for view in listing.outgoing:
            rows.append(
                {
                    "direction": "outgoing",
                    "share_id": b64url(view.share_id),
                    "folder": paths.get(view.folder_id, "(not in the drive)"),
                    "user": view.recipient_username,
                    "verified": pins.get(view.recipient_id, False),
                    "rights": "write" if view.rights == shares.WRITE else "read",
                }
            )
        listed = await shares.incoming(drive)
        for incoming in listed.shares:
            rows.append(
                {
                    "direction": "incoming",
                    "share_id": b64url(incoming.view.share_id),
                    "folder": incoming.name,
                    "user": incoming.view.owner_username,
                    "verified": incoming.owner_verified,
                    "rights": "write" if incoming.grant.rights == shares.WRITE else "read",
                }
            )
        return rows, listed

    rows, listed = run(lambda: with_drive(opts, work))
    refused = listed.refused
    if json_out:
        emit_json(rows)
    else:
        for row in rows:
            who = terminal_safe(row["user"]) + ("" if row["verified"] else UNVERIFIED)
            arrow = "to" if row["direction"] == "outgoing" else "from"
            folder = terminal_safe(row["folder"])
            typer.echo(f"{row['direction']:<8}  {row['rights']:<5}  {folder}  {arrow} {who}")
    for hidden in listed.hidden:  # not opened, nobody pinned: a note on what to accept
        note(opts, hidden.message())
    if refused:
        # The others are listed; each refused share is named on stderr, and the exit code says
        # that something the server sent did not verify (docs/cli.md).
        for bad in refused:
            owner, why = terminal_safe(bad.view.owner_username), terminal_safe(str(bad.error))
            typer.echo(
                f"warning: refused a share {b64url(bad.view.share_id)} that the server says is "
                f"from '{owner}': {why}; it is not listed",
                err=True,
            )
        fail(f"{len(refused)} incoming share(s) did not verify and were left out", Exit.INTEGRITY)


def _split(target: str) -> tuple[str, str]:
    """``SHARE/PATH`` into the share's name and a path inside it."""
    name, _, rest = target.strip("/").partition("/")
    if not name:
        fail("name the shared folder: SHARE or SHARE/PATH (see `sealbox shares`)", Exit.USAGE)
    return name, join_path(split_path("/" + rest))


async def _writable(drive: Drive, name: str) -> shares.SharedDrive:
    """The shared folder ``name``, refused here (exit 8) when it is shared read-only."""
    inside = await shares.open_shared(drive, name)
    if not inside.can_write:
        fail(exits.READ_ONLY.format(share=name), Exit.DENIED)
    return inside


def shared_ls(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="SHARE or SHARE/PATH.")],
    long: Annotated[bool, typer.Option("-l", help="Size, date and who wrote it.")] = False,
    json_out: Json = False,
) -> None:
    """List a folder shared with you, with who wrote each file."""
    opts = options(ctx)
    name, path = _split(target)

    async def work(drive: Drive) -> list[dict[str, Any]]:
        inside = await shares.open_shared(drive, name)
        folder = await inside.folder_at(path)
        rows = []
        for node in sorted(folder.children, key=lambda n: (n.name, folder.label(n))):
            row: dict[str, Any] = {
                "name": node.name,
                "type": "folder" if node.is_folder else "file",
                "mtime": node.metadata.mtime,
                "author": inside.author(node),
            }
            if isinstance(node.metadata, FileMetadata):
                row["size"] = node.metadata.size
            rows.append(labelled(row, inside, folder, node))
        return rows

    rows = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        shown = terminal_safe(row.get("label", row["name"])) + (
            "/" if row["type"] == "folder" else ""
        )
        shown += duplicate_mark(row)
        if long:
            size = human_size(row["size"]) if "size" in row else "-"
            when = format_mtime(row["mtime"])
            typer.echo(f"{size:>10}  {when}  {shown}  by {terminal_safe(row['author'])}")
        else:
            typer.echo(shown)


def shared_get(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="SHARE/PATH to download.")],
    local: Annotated[Path, typer.Argument(help="Where to put it.")],
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
    """Download from a folder shared with you, with the options of `get`: unchanged local
    files are left alone, reruns resume, failed items are named and the rest goes on."""
    opts = options(ctx)
    name, path = _split(target)
    flags = Flags(
        checksum, dry_run, exclude, include, exclude_from, bwlimit, no_clobber, backup, suffix
    )
    transfer, how = flags.options(), transfer_flags.Run(dry_run, json_out)

    async def work(drive: Drive) -> None:
        inside = await shares.open_shared(drive, name)
        # The share's top lands under the share's name (`shared get team DEST/`).
        await transfer_flags.receive(opts, inside, [path], local, transfer, how, top_name=name)

    run(lambda: with_drive(opts, work), local=local)
    how.note_unchanged(opts)


def shared_put(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="LOCAL... SHARE[/PATH].")],
    links: LinksPolicy = Links.SKIP,
    checksum: Checksum = False,
    dry_run: DryRun = False,
    exclude: Exclude = None,
    include: Include = None,
    exclude_from: ExcludeFrom = None,
    bwlimit: BwLimit = None,
    json_out: Json = False,
) -> None:
    """Upload into a folder shared with you for writing; your files are signed by you. Takes
    the options of `put`: unchanged files are left alone, reruns resume, a file that cannot be
    read is named and the rest goes on."""
    opts = options(ctx)
    if len(paths) < 2:
        fail("put needs at least one LOCAL path and a SHARE[/PATH]", Exit.USAGE)
    name, path = _split(paths[-1])
    sources = [Path(p) for p in paths[:-1]]
    flags = Flags(checksum, dry_run, exclude, include, exclude_from, bwlimit)
    transfer, how = flags.options(), transfer_flags.Run(dry_run, json_out)

    async def work(drive: Drive) -> None:
        inside = await _writable(drive, name)
        await transfer_flags.send(opts, inside, sources, path, links, transfer, how)

    run(lambda: with_drive(opts, work))
    how.note_unchanged(opts)


def shared_mv(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="SHARE/PATH to move or rename.")],
    target: Annotated[
        str, typer.Argument(help="SHARE/PATH: a folder to move into, or a new name.")
    ],
    json_out: Json = False,
) -> None:
    """Move or rename inside a folder shared with you for writing."""
    opts = options(ctx)
    name, path = _split(source)
    other, to = _split(target)
    if other != name:
        fail("moves stay inside one shared folder", Exit.USAGE)

    async def work(drive: Drive) -> None:
        inside = await _writable(drive, name)
        await inside.move(path, to)

    run(lambda: with_drive(opts, work))
    if json_out:
        emit_json({"moved": source, "to": target})


def shared_rm(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="SHARE/PATH to delete (for good).")],
    json_out: Json = False,
) -> None:
    """Delete a file or folder inside a folder shared with you for writing."""
    opts = options(ctx)
    name, path = _split(target)

    async def work(drive: Drive) -> None:
        inside = await _writable(drive, name)
        await inside.remove(path, permanent=True)

    run(lambda: with_drive(opts, work))
    if json_out:
        emit_json({"deleted": [target]})
