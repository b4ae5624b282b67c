# SPDX-License-Identifier: AGPL-3.0-or-later
"""Account commands: signup, login, logout, whoami, passwd, recover, sessions, account delete."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from sealbox.client.cli import exits
from sealbox.client.cli.account_export import export_account
from sealbox.client.cli.context import (
    Options,
    confirm_or_stop,
    done,
    fail,
    http_client,
    kdf_settings,
    note,
    options,
    run,
    secret,
    with_drive,
)
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import Json, emit_json, terminal_safe
from sealbox.client.sdk import account, account_memory, password_strength
from sealbox.client.sdk import sessions as sdk_sessions
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.crypto.devices import check_device_name
from sealbox.crypto.layout import b64url, from_b64url

WeakPassword = Annotated[
    bool,
    typer.Option(
        "--weak-password",
        help="Accept a new password that is easy to guess (strength below "
        f"{password_strength.MIN_SCORE} of 4). Not recommended: it alone guards your files.",
    ),
]


DeviceOption = Annotated[
    str | None,
    typer.Option(
        "--device",
        metavar="NAME",
        help="A name for this device's session, shown by `sealbox sessions` (default: the "
        "host name). Sealed: only you can read it, not the server.",
    ),
]


def device_name(given: str | None) -> str:
    """The device name to seal: the one given, else the host name; refused when too long."""
    name = given if given is not None else (socket.gethostname() or "unnamed device")[:64]
    try:
        check_device_name(name)
    except ValueError as exc:
        fail(f"--device: {exc}", Exit.USAGE)
    return name


def check_strength(opts: Options, password: str, weak_ok: bool, *hints: str | None) -> None:
    """Refuse a guessable new password, saying why, unless ``--weak-password`` was given."""
    strength = password_strength.assess(password, [h for h in hints if h])
    if strength.acceptable:
        return
    if not weak_ok:
        fail(strength.explanation(), Exit.USAGE)
    note(opts, f"warning: a weak password (strength {strength.score} of 4), as asked.")


def register(app: typer.Typer) -> None:
    app.command()(signup)
    app.command()(login)
    app.command()(logout)
    app.command()(whoami)
    app.command()(passwd)
    app.command()(recover)
    sessions_app = typer.Typer(
        help="List this account's sessions, or end them.", invoke_without_command=True
    )
    sessions_app.callback()(sessions)
    sessions_app.command("revoke")(revoke_session)
    app.add_typer(sessions_app, name="sessions")
    account_app = typer.Typer(help="Manage the account itself.", no_args_is_help=True)
    account_app.command("delete")(delete_account)
    account_app.command("export")(export_account)
    app.add_typer(account_app, name="account")


def signup(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="1-64 of a-z, 0-9, '.', '_' and '-'.")],
    email: Annotated[str | None, typer.Option(help="Optional; never required.")] = None,
    weak_password: WeakPassword = False,
    device: DeviceOption = None,
    json_out: Json = False,
) -> None:
    """Create an account and stay logged in. Prints the recovery key once: write it down.

    The password must be hard to guess (zxcvbn strength 3 or 4); one that is not is refused with
    the reason, unless --weak-password is given.

    \b
    Examples:
      sealbox signup alice                      # asks for the password twice
      sealbox signup --device "work laptop" alice
      SEALBOX_PASSWORD=... sealbox signup --json alice   # {"username", "device", "recovery_key"}
    """
    opts = options(ctx)
    name = device_name(device)
    password = secret(opts, "new password", confirm=True)
    check_strength(opts, password, weak_password, username, email)

    async def work() -> str:
        state = opts.state()
        try:
            async with http_client(opts.server_url(), opts.timeout) as http:
                session, text = await account.signup(
                    Api(http), state, opts.server_url(), username, password, email=email,
                    **kdf_settings(),
                )  # fmt: skip
                await sdk_sessions.name_device(session, name)
                return text
        finally:
            state.close()

    recovery_text = run(work)
    who = account.normalize_username(username)
    if json_out:
        emit_json({"username": who, "device": name, "recovery_key": recovery_text})
        return
    note(opts, f"Signed up and logged in as {who}.")
    note(opts, "Your recovery key (shown only now; it resets a forgotten password):")
    typer.echo(recovery_text)


LegacySalt = Annotated[
    bool,
    typer.Option(
        "--legacy-salt",
        help="Accept a password salt this client did not derive: only for an account made by an "
        "older client. Run `sealbox passwd` afterwards to move it to a derived salt.",
    ),
]
ForgetRemembered = Annotated[
    bool,
    typer.Option(
        "--forget-remembered",
        help="Check the account as a new device would, and replace the user id and password "
        "settings this device remembers for it (after the account was deleted and made again).",
    ),
]


def login(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    legacy_salt: LegacySalt = False,
    forget_remembered: ForgetRemembered = False,
    device: DeviceOption = None,
    json_out: Json = False,
) -> None:
    """Log in on this device. The password never leaves it; only a derived key does.

    \b
    Examples:
      sealbox login alice                       # this session is named after the host
      sealbox login --device "phone" alice      # shown by `sealbox sessions`, readable only by you
    """
    opts = options(ctx)
    label = device_name(device)
    password = secret(opts, "password")
    name = account.normalize_username(username)

    async def work() -> bool:
        state = opts.state()
        try:
            server = opts.server_url()
            async with http_client(server, opts.timeout) as http:
                session = await account.login(
                    Api(http), state, server, name, password,
                    legacy_salt=legacy_salt, forget_remembered=forget_remembered,
                )  # fmt: skip
                await sdk_sessions.name_device(session, label)
            return account_memory.uses_derived_salt(state, server, name)
        finally:
            state.close()

    derived = run(work)
    done(opts, json_out, f"Logged in as {name}.", username=name, device=label,
         derived_salt=derived)  # fmt: skip
    if not derived:
        note(opts, "This account's password salt predates derived salts, so a new device cannot "
                   "check it: run `sealbox passwd` (you may keep the same password).")  # fmt: skip


def logout(ctx: typer.Context, json_out: Json = False) -> None:
    """End this device's session on the server and forget its keys here."""
    opts = options(ctx)

    async def work(drive: Drive) -> None:
        await account.logout(drive.session)

    run(lambda: with_drive(opts, work))
    done(opts, json_out, "Logged out.", logged_out=True)


def whoami(ctx: typer.Context, json_out: Json = False) -> None:
    """Show the logged-in account, its server and its identity fingerprint."""
    opts = options(ctx)

    async def work(drive: Drive) -> dict[str, object]:
        s = drive.session
        return {
            "username": s.username,
            "user_id": b64url(s.user_id),
            "server": s.server,
            "signing_key": b64url(s.identity.public.sign_public),
        }

    info = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(info)
    else:
        who, server = terminal_safe(str(info["username"])), terminal_safe(str(info["server"]))
        typer.echo(f"{who} on {server} (signing key {info['signing_key']})")


def passwd(ctx: typer.Context, weak_password: WeakPassword = False, json_out: Json = False) -> None:
    """Change the password. Only the master key's wrap changes; other sessions end.

    Scripts: the old password from SEALBOX_PASSWORD and the new one from SEALBOX_NEW_PASSWORD,
    or two lines on standard input with --password-stdin. A guessable new password is refused
    unless --weak-password is given.

    \b
    Examples:
      sealbox passwd
      SEALBOX_NEW_PASSWORD=... sealbox passwd --json     # {"sessions_ended": N}
    """
    opts = options(ctx)
    old = secret(opts, "current password")
    new = secret(opts, "new password", env="SEALBOX_NEW_PASSWORD", confirm=True)
    check_strength(opts, new, weak_password)

    async def work(drive: Drive) -> int:
        return await account.change_password(drive.session, old, new, **kdf_settings())

    revoked = run(lambda: with_drive(opts, work))
    done(opts, json_out, f"Password changed; {revoked} other session(s) ended.",
         sessions_ended=revoked)  # fmt: skip


def recover(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    weak_password: WeakPassword = False,
    json_out: Json = False,
) -> None:
    """Set a new password with the recovery key, and log in.

    Scripts: the recovery key from SEALBOX_RECOVERY_KEY and the new password from
    SEALBOX_NEW_PASSWORD (or two lines on standard input with --password-stdin). A guessable new
    password is refused unless --weak-password is given.
    """
    opts = options(ctx)
    recovery_text = secret(opts, "recovery key", env="SEALBOX_RECOVERY_KEY")
    new = secret(opts, "new password", env="SEALBOX_NEW_PASSWORD", confirm=True)
    check_strength(opts, new, weak_password, username)

    async def work() -> None:
        state = opts.state()
        try:
            server = opts.server_url()
            async with http_client(server, opts.timeout) as http:
                await account.recover(
                    Api(http), state, server, username, recovery_text, new, **kdf_settings()
                )
        finally:
            state.close()

    run(work, credentials=exits.WRONG_RECOVERY_KEY)
    who = account.normalize_username(username)
    done(opts, json_out, f"New password set; logged in as {who}.", username=who)


def sessions(ctx: typer.Context, json_out: Json = False) -> None:
    """List this account's sessions: the device name each was given at login (readable only by
    you), when each began and was last used (no addresses kept). * marks this device's.

    \b
    Examples:
      sealbox sessions
      sealbox sessions --json
      sealbox sessions revoke --others
    """
    if ctx.invoked_subcommand is not None:
        return
    opts = options(ctx)

    async def work(drive: Drive) -> list[dict[str, object]]:
        return [
            {
                "session_id": b64url(s.session_id),
                "device": s.device,
                "created": s.created_day,
                "last_used": s.last_used_day,
                "current": s.current,
            }
            for s in await sdk_sessions.list_sessions(drive.session)
        ]

    rows = run(lambda: with_drive(opts, work))
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        device = terminal_safe(str(row["device"])) if row["device"] is not None else "(no name)"
        typer.echo(
            f"{mark} {row['session_id']}  {device}  since {row['created']}  used {row['last_used']}"
        )


def revoke_session(
    ctx: typer.Context,
    session_id: Annotated[str | None, typer.Argument(help="The session to end.")] = None,
    others: Annotated[
        bool, typer.Option("--others", help="End every session but this one.")
    ] = False,
    json_out: Json = False,
) -> None:
    """End one session, or with --others every session but this one."""
    opts = options(ctx)
    if (session_id is None) == (not others):
        fail("give a SESSION_ID or --others", Exit.USAGE)

    async def work(drive: Drive) -> int:
        if others:
            return await drive.api.revoke_other_sessions()
        await drive.api.revoke_session(from_b64url(session_id or ""))
        return 1

    count = run(lambda: with_drive(opts, work))
    done(opts, json_out, f"{count} session(s) ended.", sessions_ended=count)


def delete_account(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    json_out: Json = False,
) -> None:
    """Delete the account with every file and folder in it. This cannot be undone. Asks first
    (--yes skips the question; without a terminal to ask on, --yes is required)."""
    opts = options(ctx)
    confirm_or_stop("Delete this account and everything in it?", yes)
    password = secret(opts, "password")

    async def work(drive: Drive) -> None:
        await account.delete_account(drive.session, password)

    run(lambda: with_drive(opts, work))
    done(opts, json_out, "Account deleted.", deleted=True)
