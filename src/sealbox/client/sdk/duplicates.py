# SPDX-License-Identifier: AGPL-3.0-or-later
"""Children that share a name (spec/metadata.md, "Duplicate names").

Names are sealed and any writer of a shared folder may add a child named like another's, so a
name alone does not always say which child is meant. A path component names every child called
exactly that, and, in the form ``NAME@REF``, the child called ``NAME`` whose node id (base64url)
starts with ``REF``. Naming one child opens it; naming more is an error that lists them, so a
writer never decides which file the owner's ``cat`` opens. Every listing shows each child by a
**label** that names it alone, and a download writes every child under a local name of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sealbox.crypto.layout import b64url

if TYPE_CHECKING:
    from sealbox.client.sdk.tree import Node

SEPARATOR = "@"
MIN_REF = 4  # the fewest id characters a selector may give
LABEL_REF = 8  # the fewest a label or a renamed download shows
ID_CHARS = 22  # a whole node id in base64url


def ref(node: Node) -> str:
    """The node id as base64url: what ``NAME@REF`` selectors match against."""
    return b64url(node.node_id)


def group(children: Iterable[Node]) -> dict[str, list[Node]]:
    """Children by exact name, in the order given."""
    by_name: dict[str, list[Node]] = {}
    for child in children:
        by_name.setdefault(child.name, []).append(child)
    return by_name


def matching(by_name: Mapping[str, list[Node]], component: str) -> list[Node]:
    """Every child ``component`` names: those called exactly that, and, for ``NAME@REF``, the
    child called ``NAME`` whose id starts with ``REF``. A whole id names that child alone."""
    found = list(by_name.get(component, ()))
    name, separator, wanted = component.rpartition(SEPARATOR)
    if not separator or not name or len(wanted) < MIN_REF:
        return found
    picked = [node for node in by_name.get(name, ()) if ref(node).startswith(wanted)]
    if len(wanted) == ID_CHARS and len(picked) == 1:
        return picked
    seen = {node.node_id for node in found}
    return found + [node for node in picked if node.node_id not in seen]


def labels(by_name: Mapping[str, list[Node]]) -> dict[bytes, str]:
    """Each child's label by node id: its name where that names it alone, else ``NAME@REF``
    with the shortest ``REF`` (8 characters or more) that does."""
    out: dict[bytes, str] = {}
    for name, nodes in by_name.items():
        if len(nodes) == 1 and SEPARATOR not in name:
            # A name no other child has, and not of the NAME@REF form: it names this child alone
            # (what _label finds too, with more steps; most children of a large folder).
            out[nodes[0].node_id] = name
            continue
        for node in nodes:
            out[node.node_id] = _label(by_name, name, node)
    return out


def _label(by_name: Mapping[str, list[Node]], name: str, node: Node) -> str:
    if _names_only(by_name, name, node):
        return name
    whole = ref(node)
    for length in range(LABEL_REF, ID_CHARS):
        label = f"{name}{SEPARATOR}{whole[:length]}"
        if _names_only(by_name, label, node):
            return label
    return f"{name}{SEPARATOR}{whole}"  # a whole id names its node alone


def _names_only(by_name: Mapping[str, list[Node]], component: str, node: Node) -> bool:
    found = matching(by_name, component)
    return len(found) == 1 and found[0].node_id == node.node_id


def local_names(by_name: Mapping[str, list[Node]], me: bytes | None) -> dict[bytes, str]:
    """The name each child is written under by a download: its own, unless another child has
    it too. Of several with one name, the one this account (``me``) wrote keeps it if it wrote
    exactly one; every other becomes ``STEM (REF).EXT``, with `` (2)`` and on if that is taken."""
    out: dict[bytes, str] = {}
    taken = set(by_name)
    for name, nodes in by_name.items():
        if len(nodes) == 1:
            out[nodes[0].node_id] = name
            continue
        mine = [n for n in nodes if me is not None and n.record.writer_id == me]
        keeper = mine[0].node_id if len(mine) == 1 else None
        for node in nodes:
            if node.node_id == keeper:
                out[node.node_id] = name
                continue
            out[node.node_id] = _free(_renamed(name, ref(node)[:LABEL_REF]), taken)
    return out


def _renamed(name: str, short: str) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({short})"
    return f"{stem} ({short}).{extension}"


def _free(name: str, taken: set[str]) -> str:
    candidate, counter = name, 2
    while candidate in taken:
        candidate = f"{name} ({counter})"
        counter += 1
    taken.add(candidate)
    return candidate
