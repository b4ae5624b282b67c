# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which rows a takedown touches, by scope (spec/compliance.md §3.2), worked out through the
``TakedownStore`` interface that the server implements on its database. Ids only."""

from dataclasses import dataclass, field
from typing import Protocol

from sealbox.compliance.notices import Scope


@dataclass(frozen=True, slots=True)
class LinkTarget:
    link_id: bytes
    owner_id: bytes
    node_id: bytes
    node_type: str


@dataclass(frozen=True, slots=True)
class NodeRef:
    owner_id: bytes
    node_id: bytes


class TakedownStore(Protocol):
    """Reads the server answers for a takedown plan (ciphertext identity only)."""

    def link(self, link_id: bytes) -> LinkTarget | None: ...

    def content_of(self, owner_id: bytes, node_id: bytes) -> bytes | None: ...

    def links_reaching(self, content_id: bytes) -> list[bytes]: ...

    def nodes_naming(self, content_id: bytes) -> list[NodeRef]: ...


@dataclass(slots=True)
class Plan:
    """What to do: links to disable, nodes to remove, content ids to refuse from now on, and the
    accounts affected (the owners of the removed links and nodes)."""

    links: set[bytes] = field(default_factory=set)
    nodes: set[NodeRef] = field(default_factory=set)
    refuse: set[bytes] = field(default_factory=set)
    contents: set[bytes] = field(default_factory=set)

    def merge(self, other: "Plan") -> None:
        self.links |= other.links
        self.nodes |= other.nodes
        self.refuse |= other.refuse
        self.contents |= other.contents


def _contents(store: TakedownStore, link: LinkTarget, file_ids: tuple[bytes, ...]) -> set[bytes]:
    if link.node_type == "folder":
        return set(file_ids)
    found = store.content_of(link.owner_id, link.node_id)
    return set() if found is None else {found}


def plan_for_link(
    store: TakedownStore, link: LinkTarget, scope: Scope, file_ids: tuple[bytes, ...]
) -> Plan:
    """The plan for one named link: the link itself is always disabled. A folder link named with
    no file is disabled as a whole, whatever scope was asked; with files named, the scope applies
    to each of them."""
    plan = Plan(links={link.link_id})
    if scope is Scope.LINK or (link.node_type == "folder" and not file_ids):
        return plan
    for content_id in _contents(store, link, file_ids):
        plan.contents.add(content_id)
        plan.links.update(store.links_reaching(content_id))
        if scope is Scope.EVERYWHERE:
            plan.nodes.update(store.nodes_naming(content_id))
            plan.refuse.add(content_id)
    return plan
