# SPDX-License-Identifier: AGPL-3.0-or-later
"""The table of top-level commands, and the group that loads a command's module only when that
command is looked up: `sealbox --help` lists them all from the table, importing none."""

from __future__ import annotations

from importlib import import_module
from typing import Any, NamedTuple

import typer
import typer.main
from typer import _click
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup


class Command(NamedTuple):
    """A top-level command: the module that registers it, and its help's first sentence, which
    `sealbox --help` shows without importing the module (tests/cli/test_cli_startup.py keeps it
    equal to the command's own help)."""

    module: str
    summary: str


# Every top-level command, in the order `--help` lists them (commands, then groups). A command
# imports only its own module: importing all of them costs more CPU at every start than many
# commands take to run (tests/client/test_cli_surface.py keeps this in step with the modules).
COMMANDS: dict[str, Command] = {
    "signup": Command(
        "account_commands",
        "Create an account and stay logged in.",
    ),
    "login": Command("account_commands", "Log in on this device."),
    "logout": Command(
        "account_commands",
        "End this device's session on the server and forget its keys here.",
    ),
    "whoami": Command(
        "account_commands",
        "Show the logged-in account, its server and its identity fingerprint.",
    ),
    "passwd": Command("account_commands", "Change the password."),
    "recover": Command("account_commands", "Set a new password with the recovery key, and log in."),
    "ls": Command(
        "drive_commands",
        "List a folder, or what a link opens (no account needed for links).",
    ),
    "tree": Command(
        "drive_commands",
        "Show a folder and everything below it as a tree, or a link's (no account needed).",
    ),
    "mkdir": Command("drive_commands", "Make a folder."),
    "put": Command(
        "drive_commands",
        "Upload files and folders, or files through a drop link (no account needed).",
    ),
    "get": Command(
        "drive_commands",
        "Download files and folders, or what a link opens (no account needed for links; LOCAL "
        "`-` writes a linked file to standard output).",
    ),
    "cat": Command(
        "drive_commands",
        "Write a file, or a file link's, to standard output (no account needed for links).",
    ),
    "mv": Command("drive_commands", "Move or rename a file or folder."),
    "cp": Command(
        "drive_commands",
        "Copy a file or folder on the server, without uploading its content again.",
    ),
    "rm": Command(
        "drive_commands",
        "Move files and folders to the trash (or delete them with --permanent).",
    ),
    "find": Command("drive_commands", "Find files and folders whose name matches a pattern."),
    "du": Command("drive_commands", "Total size and count of the files below a folder."),
    "df": Command(
        "drive_commands",
        "Storage used by the account (as the server counts it: ciphertext, versions, trash).",
    ),
    "check": Command(
        "check_commands",
        "Compare LOCAL with REMOTE by content: files only local, only remote, differing, and "
        "identical.",
    ),
    "export": Command(
        "link_commands",
        "Make a public link to a file or folder; prints https://HOST/l/<id>#<key>.",
    ),
    "import": Command(
        "link_commands",
        "Copy a linked file or folder into your drive without downloading or uploading it.",
    ),
    "share": Command("share_commands", "Share a folder with another account."),
    "unshare": Command(
        "share_commands",
        "Stop sharing a folder with USER and give the folder and every folder below it new "
        "keys for what is written next.",
    ),
    "shares": Command(
        "share_commands",
        "List folders you share (outgoing) and folders shared with you (incoming).",
    ),
    "mount": Command(
        "mount_commands",
        "Mount REMOTE at MOUNTPOINT until Ctrl-C, SIGTERM or `fusermount3 -u MOUNTPOINT`.",
    ),
    "thumbnail": Command(
        "thumbnail_commands",
        "Write the small JPEG picture sealed with a file at upload (`put` makes one for each "
        "picture unless given --no-thumbnails).",
    ),
    "sessions": Command("account_commands", "List this account's sessions, or end them."),
    "account": Command("account_commands", "Manage the account itself."),
    "trash": Command("drive_commands", "Deleted items: list, restore, empty."),
    "versions": Command(
        "version_commands",
        "A file's earlier versions: `versions PATH` lists them; download one with "
        "`get --version N`, make one current with `versions restore`, delete with "
        "`versions rm`.",
    ),
    "contacts": Command(
        "share_commands",
        "People you share with: invitations, pinned keys and safety numbers.",
    ),
    "shared": Command("share_commands", "Folders others shared with you: ls, get, put, rm."),
    "request": Command(
        "drop_commands",
        "File requests: drop links through which anyone can upload into a folder.",
    ),
    "serve": Command(
        "serve_commands", "Serve the decrypted drive to other programs on this device."
    ),
    "notices": Command(
        "notice_commands",
        "Takedown notices about your content: list them, read why, counter-notify, appeal.",
    ),
    "transparency": Command(
        "transparency_commands",
        "The server's transparency log: check that it was never rewritten, read its entries.",
    ),
}
COMMAND_MODULES: dict[str, str] = {name: command.module for name, command in COMMANDS.items()}


class LazyGroup(TyperGroup):
    """The top-level group: lists every command of ``COMMANDS`` and shows its summary, but imports
    a command's module only when that command is looked up (run, completed, or its help shown)."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            scratch = typer.Typer(rich_markup_mode=None)
            import_module(f"sealbox.client.cli.{COMMANDS[cmd_name].module}").register(scratch)
            loaded: Any = typer.main.get_command(scratch)
            self.commands.update(loaded.commands)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        # TyperGroup's own, with each summary taken from the table instead of the command.
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, make_default_short_help(self._summary(ctx, name), limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _summary(self, ctx: _click.Context, name: str) -> str:
        if name in COMMANDS:
            return COMMANDS[name].summary
        command = self.get_command(ctx, name)
        return command.help or "" if command else ""

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        try:
            return self._click_resolve_command(ctx, args)
        except _click.exceptions.UsageError as error:
            from difflib import get_close_matches

            # TyperGroup suggests from the commands loaded; this one, from all of them.
            close = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if close and self.suggest_commands:
                suggestions = ", ".join(f"{name!r}" for name in close)
                error.message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            raise
