# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who wrote a node (spec/sharing.md, "Attribution across rotation").

A record is signed by whoever last wrote it. When a folder's owner re-signs a member's record
without changing its content (a key rotation after a removal, or a move or rename), the owner's
record keeps the member as the author in its sealed metadata: ``author`` (the member's user id)
and ``author_name`` (the username the owner pinned for them). The owner's signature covers both,
so the attribution reads "written by the member, re-keyed by the owner", and everyone holding the
folder key can check who vouches for it. An author field is honoured only in a record signed by
the folder's owner; in any other writer's record it is ignored, so a member cannot pass their
file off as someone else's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from msgspec.structs import replace

from sealbox.client.sdk.account import Session
from sealbox.crypto.tree import Metadata, NodeRecord


class Written(Protocol):
    """A node as listed: its signed record and its opened metadata."""

    @property
    def record(self) -> NodeRecord: ...

    @property
    def metadata(self) -> Metadata: ...


def author_id(owner_id: bytes, node: Written) -> bytes:
    """The user id of who wrote ``node``: the author the owner attested, in a record the owner
    signed, else the record's signer."""
    if node.record.writer_id == owner_id and node.metadata.author is not None:
        return node.metadata.author
    return node.record.writer_id


def rekeyed(owner_id: bytes, node: Written) -> bool:
    """Whether ``node`` was written by someone else and re-signed by the owner."""
    return author_id(owner_id, node) != node.record.writer_id


def attributed(session: Session, owner_id: bytes, node: Written, metadata: Metadata) -> Metadata:
    """``metadata`` for a new record of ``node`` signed by this account without new content: the
    owner keeps the author (a member it re-signs for, by the username it pinned); anyone else
    writes no author field (it would not be honoured)."""
    if session.user_id != owner_id:
        return replace(metadata, author=None, author_name=None)
    author = author_id(owner_id, node)
    if author == owner_id:
        return replace(metadata, author=None, author_name=None)
    if node.record.writer_id == owner_id:
        return metadata  # already attested by the owner: kept as it was
    pinned = session.state.pin(session.user_id, author)
    return replace(metadata, author=author, author_name=pinned[1] if pinned else None)


def describe(session: Session, owner_id: bytes, node: Written, names: Mapping[bytes, str]) -> str:
    """How to show who wrote ``node``: a name from ``names`` (writers this client verified), from
    this device's pins, or, for an author the owner attested and this device never pinned, the
    name the owner gave, said to be the owner's word."""
    author = author_id(owner_id, node)
    if author in names:
        return names[author]
    if author == session.user_id:
        return f"{session.username} (you)"
    pinned = session.state.pin(session.user_id, author)
    if pinned is not None:
        return pinned[1] if pinned[2] else f"{pinned[1]} (unverified)"
    if author != node.record.writer_id and node.metadata.author_name is not None:
        return f"{node.metadata.author_name} (as the owner names them)"
    return "a writer this device has not pinned"


def signer(session: Session, owner_id: bytes, node: Written, names: Mapping[bytes, str]) -> str:
    """Who signed ``node``'s record when that is not its author (the owner, after re-keying)."""
    if not rekeyed(owner_id, node):
        return ""
    writer = node.record.writer_id
    return names.get(writer, session.username if writer == session.user_id else "the owner")
