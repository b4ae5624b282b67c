# SPDX-License-Identifier: AGPL-3.0-or-later
"""How results reach people and scripts: tables, JSON, and progress bars on standard error."""

from __future__ import annotations

import json
import os
import select
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sealbox.client.sdk.tree import Folder, Node, Tree

if TYPE_CHECKING:  # context imports this module, for terminal_safe
    from sealbox.client.cli.context import Options

_NAMED_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def terminal_safe(text: str) -> str:
    """``text`` as a terminal may show it when someone else chose it: a server's message, a name
    another writer gave. Control characters (which move the cursor, clear the screen, retitle the
    window or start a line that looks like our own), bidirectional overrides, zero-width and
    other invisible characters, and every separator but the plain space, are shown escaped
    (``\\x1b``, ``\\u202e``); a backslash is doubled, so an escape cannot be forged by the text
    itself. ``--json`` output keeps exact strings: this is for terminals and logs only.
    """
    if text.isprintable() and "\\" not in text:
        return text  # the common case, at C speed
    return "".join(
        _NAMED_ESCAPES.get(ch) or (ch if ch.isprintable() else _escape(ch)) for ch in text
    )


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def labelled(row: dict[str, Any], reader: Tree, parent: Folder, node: Node) -> dict[str, Any]:
    """``row``, and for a child whose name another child shares (spec/metadata.md, "Duplicate
    names"): the label that opens it alone and who wrote it."""
    if len(parent.by_name.get(node.name, ())) > 1:
        row |= {"duplicate": True, "label": parent.label(node), "author": reader.author(node)}
    return row


def duplicate_mark(row: dict[str, Any]) -> str:
    """What a human listing adds after an item that shares its name with another."""
    if not row.get("duplicate"):
        return ""
    name, author = terminal_safe(row["name"]), terminal_safe(row["author"])
    return f"  [another item is also called {name}; this one is by {author}]"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_mtime(milliseconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(milliseconds / 1000))


def emit_json(value: Any) -> None:
    write_out(json.dumps(value, ensure_ascii=False, indent=None))


def write_out(text: str) -> None:
    """``text`` and a newline on standard output, every byte of it: for one large write, such as
    a listing of 100,000 names.

    With PYTHONUNBUFFERED set (as many containers set it), ``sys.stdout`` writes straight to its
    descriptor and, when a write is short, drops what is left over and reports it all written:
    a pipe's write is short when a signal arrives, or when the descriptor is non-blocking and
    the pipe full. The bytes go out here until none is left. Standard output that is no
    descriptor (a test's capture) is written to as it is."""
    stream = sys.stdout
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        typer.echo(text)
        return
    data = memoryview((text + "\n").encode(stream.encoding or "utf-8", stream.errors or "strict"))
    stream.flush()
    while data:
        try:
            written = os.write(fd, data)
        except BlockingIOError:  # a non-blocking descriptor whose pipe is full
            select.select([], [fd], [])
            continue
        data = data[written:]


_json_errors = {"on": False}


def _json_mode(value: bool) -> bool:
    """Called by typer as ``--json`` is parsed, before the command runs: from then on errors
    are printed as JSON too."""
    if value:
        _json_errors["on"] = True
    return value


def json_errors() -> bool:
    """Whether the running command was given ``--json`` (so its errors go out as JSON)."""
    return _json_errors["on"]


def emit_json_error(code: int, message: str) -> None:
    """An error for scripts, on standard error: ``{"error": {"code": N, "message": "..."}}``
    (``code`` is the exit code, docs/cli.md)."""
    # ASCII only: the exact string for a script, and nothing that can drive a terminal or
    # reorder what it shows (the message may carry names others chose).
    error = {"error": {"code": code, "message": message}}
    typer.echo(json.dumps(error, ensure_ascii=True), err=True)


Json = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print JSON for scripts; errors too, on standard error.",
        callback=_json_mode,
    ),
]


def renamed_note(opts: Options) -> Callable[[str, Path], None]:
    """Say on standard error (unless -q) that a download wrote an item under another name."""

    def renamed(remote: str, local: Path) -> None:
        if not opts.quiet:
            typer.echo(
                f"note: {terminal_safe(remote)} was saved as {terminal_safe(str(local))}, since "
                "another item in its folder has the same name",
                err=True,
            )

    return renamed
