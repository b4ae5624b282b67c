# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shares between accounts, their members and the owners' signed rosters."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.orm import aliased

from sealbox.protocol import models as m
from sealbox.server.db.schema import accounts, nodes, share_rosters, shares


@dataclass(frozen=True, slots=True)
class ShareRow:
    share_id: bytes
    owner_id: bytes
    folder_id: bytes
    rights: int
    trash_id: bytes


Folders = set[tuple[bytes, bytes]]


def folder_and_specials(
    conn: Connection, user_id: bytes, folder_id: bytes
) -> tuple[str, bytes, bytes] | None:
    """The node's type and the owner's root and trash folder ids."""
    row = conn.execute(
        select(nodes.c.node_type, accounts.c.root_id, accounts.c.trash_id)
        .select_from(nodes.join(accounts, accounts.c.user_id == nodes.c.owner_id))
        .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == folder_id))
    ).first()
    return None if row is None else (row.node_type, row.root_id, row.trash_id)


def taken(conn: Connection, user_id: bytes, req: m.ShareCreateRequest) -> bool:
    """Whether the share id is taken, or the folder is shared with the recipient already."""
    return (
        conn.execute(
            select(shares.c.share_id).where(
                (shares.c.share_id == req.share_id)
                | (
                    (shares.c.owner_id == user_id)
                    & (shares.c.folder_id == req.folder_id)
                    & (shares.c.recipient_id == req.recipient_id)
                )
            )
        ).first()
        is not None
    )


def add(conn: Connection, user_id: bytes, req: m.ShareCreateRequest) -> None:
    conn.execute(
        insert(shares).values(
            share_id=req.share_id,
            owner_id=user_id,
            folder_id=req.folder_id,
            recipient_id=req.recipient_id,
            rights=req.rights,
            envelope=req.envelope,
        )
    )


def store_roster(conn: Connection, owner_id: bytes, folder_id: bytes, roster: bytes) -> None:
    # The server cannot check the owner's signature or the roster version; members do, and
    # refuse an older roster than one they saw (spec/sharing.md, "Share roster").
    where = (share_rosters.c.owner_id == owner_id) & (share_rosters.c.folder_id == folder_id)
    if conn.execute(update(share_rosters).where(where).values(roster=roster)).rowcount == 0:
        conn.execute(
            insert(share_rosters).values(owner_id=owner_id, folder_id=folder_id, roster=roster)
        )


def own_rosters(conn: Connection, owner_id: bytes) -> list[m.OwnRoster]:
    """Every roster the owner stored, members or none: the owner's own record of who its
    members are, which outlives the last share of a folder."""
    rows = conn.execute(
        select(share_rosters.c.folder_id, share_rosters.c.roster)
        .where(share_rosters.c.owner_id == owner_id)
        .order_by(share_rosters.c.folder_id)
    )
    return [m.OwnRoster(folder_id=row.folder_id, roster=bytes(row.roster)) for row in rows]


def set_envelope(
    conn: Connection,
    user_id: bytes,
    share_id: bytes,
    envelope: bytes,
    folder_id: bytes | None = None,
) -> bool:
    where = (shares.c.share_id == share_id) & (shares.c.owner_id == user_id)
    if folder_id is not None:
        where = where & (shares.c.folder_id == folder_id)
    return bool(conn.execute(update(shares).where(where).values(envelope=envelope)).rowcount)


def remove(conn: Connection, user_id: bytes, share_id: bytes) -> bool:
    gone = conn.execute(
        delete(shares).where(
            (shares.c.share_id == share_id)
            & or_(shares.c.owner_id == user_id, shares.c.recipient_id == user_id)
        )
    ).rowcount
    return bool(gone)


def member_access(conn: Connection, user_id: bytes, share_id: bytes) -> ShareRow | None:
    row = conn.execute(
        select(shares, accounts.c.trash_id)
        .select_from(shares.join(accounts, accounts.c.user_id == shares.c.owner_id))
        .where((shares.c.share_id == share_id) & (shares.c.recipient_id == user_id))
    ).first()
    if row is None:
        return None
    return ShareRow(row.share_id, row.owner_id, row.folder_id, row.rights, row.trash_id)


# Views


def _views(conn: Connection, where: Any) -> list[m.ShareView]:
    owner = aliased(accounts)
    recipient = aliased(accounts)
    rows = conn.execute(
        select(
            shares,
            owner.c.username.label("owner_username"),
            recipient.c.username.label("recipient_username"),
        )
        .select_from(
            shares.join(owner, owner.c.user_id == shares.c.owner_id).join(
                recipient, recipient.c.user_id == shares.c.recipient_id
            )
        )
        .where(where)
        .order_by(shares.c.share_id)
    ).all()
    folders = {(r.owner_id, r.folder_id) for r in rows}
    members = _members(conn, folders)
    rosters = _rosters(conn, folders)
    return [
        m.ShareView(
            share_id=r.share_id,
            folder_id=r.folder_id,
            owner_id=r.owner_id,
            owner_username=r.owner_username,
            recipient_id=r.recipient_id,
            recipient_username=r.recipient_username,
            rights=r.rights,
            envelope=r.envelope,
            members=members[(r.owner_id, r.folder_id)],
            roster=rosters.get((r.owner_id, r.folder_id)),
        )
        for r in rows
    ]


def view(conn: Connection, share_id: bytes) -> m.ShareView:
    return _views(conn, shares.c.share_id == share_id)[0]


def outgoing(conn: Connection, user_id: bytes) -> list[m.ShareView]:
    return _views(conn, shares.c.owner_id == user_id)


def incoming(conn: Connection, user_id: bytes) -> list[m.ShareView]:
    return _views(conn, shares.c.recipient_id == user_id)


def _rosters(conn: Connection, folders: Folders) -> dict[tuple[bytes, bytes], bytes]:
    out: dict[tuple[bytes, bytes], bytes] = {}
    for owner_id, folder_id in folders:
        row = conn.execute(
            select(share_rosters.c.roster).where(
                (share_rosters.c.owner_id == owner_id) & (share_rosters.c.folder_id == folder_id)
            )
        ).first()
        if row is not None:
            out[(owner_id, folder_id)] = bytes(row.roster)
    return out


def _members(conn: Connection, folders: Folders) -> dict[tuple[bytes, bytes], list[m.ShareMember]]:
    out: dict[tuple[bytes, bytes], list[m.ShareMember]] = defaultdict(list)
    for owner_id, folder_id in folders:
        for row in conn.execute(
            select(shares.c.recipient_id, shares.c.rights, accounts.c.username)
            .select_from(shares.join(accounts, accounts.c.user_id == shares.c.recipient_id))
            .where((shares.c.owner_id == owner_id) & (shares.c.folder_id == folder_id))
            .order_by(shares.c.recipient_id)
        ):
            out[(owner_id, folder_id)].append(
                m.ShareMember(user_id=row.recipient_id, username=row.username, rights=row.rights)
            )
    return out
