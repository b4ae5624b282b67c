# SPDX-License-Identifier: AGPL-3.0-or-later
"""How results reach people and scripts: tables, JSON, and progress bars on standard error."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from sealbox.client.sdk.files import Reporter
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
    if len(parent.named(node.name)) > 1:
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
    typer.echo(json.dumps(value, ensure_ascii=False, indent=None))


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


@contextmanager
def progress_reporter(opts: Options, total: int | None, label: str) -> Iterator[Reporter]:
    """A Reporter that draws a total bar and one bar for the file in flight, or nothing at all
    when standard error is not a terminal or -q was given."""
    if not opts.show_progress():
        yield Reporter(renamed=renamed_note(opts))
        return
    columns = (
        # Descriptions carry names: shown as text, never read as Rich markup ("[bold]").
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        overall = bar.add_task(label, total=total)
        current: dict[str, TaskID] = {}

        def start(name: str, size: int) -> None:
            current["task"] = bar.add_task(f"  {terminal_safe(name[:40])}", total=size)

        def advance(n: int) -> None:
            bar.advance(overall, n)
            if "task" in current:
                bar.advance(current["task"], n)

        def finish(name: str) -> None:
            task = current.pop("task", None)
            if task is not None:
                bar.remove_task(task)

        yield Reporter(start, advance, finish, renamed_note(opts))
