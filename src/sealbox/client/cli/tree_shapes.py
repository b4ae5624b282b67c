# SPDX-License-Identifier: AGPL-3.0-or-later
"""What ``sealbox tree`` shows: a verified folder and everything below it as a nested shape
(``--json``), drawn with box-drawing lines. The same for a folder in the drive and a folder link."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from sealbox.client.cli.output import duplicate_mark, terminal_safe
from sealbox.client.sdk import walks
from sealbox.client.sdk.tree import Folder, Node
from sealbox.client.sdk.walks import Withheld

# How an item whose name another child shares is marked: (item, parent, node) -> item.
Mark = Callable[[dict[str, Any], Folder, Node], dict[str, Any]]


async def shape_of(
    opener: walks.Opener, top: Folder, name: str, base: str, withheld: Withheld, mark: Mark
) -> dict[str, Any]:
    """The shape of ``top`` (shown as ``name``; paths below it start with ``base``)."""
    shape: dict[str, Any] = {"name": name, "type": "folder", "children": []}
    # Each listing's place in the shape, by the listing object (names may repeat).
    shapes = {id(top): shape}
    async for step in walks.walk_tree(opener, top, base, withheld):
        if step.opened is None:
            item = {"name": step.node.name, "type": "file", "size": step.node.size}
        else:
            item = {"name": step.node.name, "type": "folder", "children": []}
            shapes[id(step.opened)] = item
        mark(item, step.parent, step.node)
        shapes[id(step.parent)]["children"].append(item)
    return shape


def label_only(item: dict[str, Any], parent: Folder, node: Node) -> dict[str, Any]:
    """A link's mark: the label that opens the item alone (a visitor has no names of writers)."""
    if len(parent.named(node.name)) > 1:
        item["label"] = parent.label(node)
    return item


def draw(shape: dict[str, Any]) -> None:
    """Print a tree shape with box-drawing lines, from an explicit stack (no recursion)."""
    typer.echo(terminal_safe(shape["name"]))
    stack: list[tuple[dict[str, Any], str, bool]] = []

    def push(children: list[dict[str, Any]], indent: str) -> None:
        for i in reversed(range(len(children))):
            stack.append((children[i], indent, i == len(children) - 1))

    push(shape.get("children", []), "")
    while stack:
        child, indent, last = stack.pop()
        shown = terminal_safe(child.get("label", child["name"])) + duplicate_mark(child)
        typer.echo(f"{indent}{'└── ' if last else '├── '}{shown}")
        if child["type"] == "folder":
            push(child["children"], indent + ("    " if last else "│   "))
