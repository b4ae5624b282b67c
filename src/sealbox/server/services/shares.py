"""Shares between accounts: an owner grants a folder (and its subtree) to another account.

The server stores the owner's share envelope (the folder key sealed to the recipient and signed by
the owner) and enforces the rights it can see: members read the shared subtree through the share,
and write members change it with folder transactions confined to it. Whether a signature is
genuine is the clients' business (spec/sharing.md, "Writers sign").
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy import Connection, Engine, Row, delete, insert, or_, select, update
from sqlalchemy.orm import aliased

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import accounts, nodes, share_rosters, shares
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.accounts import normalise_username
from sealbox.server.services.contacts import are_contacts
from sealbox.server.services.subtrees import reaches_content, within

READ, WRITE = 1, 2


@dataclass(frozen=True, slots=True)
class ShareAccess:
    """A member's access to one shared folder, as the server knows it right now."""

    share_id: bytes
    owner_id: bytes
    folder_id: bytes
    rights: int


class ShareService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # Identities

    def _bundle(self, username: str) -> m.UserBundle:
        with read_only(self._engine) as conn:
            row = conn.execute(
                select(accounts.c.user_id, accounts.c.username, accounts.c.identity_bundle).where(
                    accounts.c.username == normalise_username(username)
                )
            ).first()
        if row is None:
            raise not_found("user")
        return m.UserBundle(
            user_id=row.user_id, username=row.username, identity_bundle=row.identity_bundle
        )

    async def bundle(self, username: str) -> m.UserBundle:
        """Another account's public identity bundle, which clients verify against their pins."""
        return await to_thread.run_sync(partial(self._bundle, username))

    # The owner's side

    def _create(self, user_id: bytes, req: m.ShareCreateRequest) -> m.ShareView:
        with self._engine.begin() as conn:
            folder = conn.execute(
                select(nodes.c.node_type, accounts.c.root_id, accounts.c.trash_id)
                .select_from(nodes.join(accounts, accounts.c.user_id == nodes.c.owner_id))
                .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == req.folder_id))
            ).first()
            if folder is None or folder.node_type != "folder":
                raise not_found("folder")
            if req.folder_id in (folder.root_id, folder.trash_id) or within(
                conn, user_id, req.folder_id, folder.trash_id
            ):
                raise ServiceError(
                    ErrorCode.BAD_REQUEST, "the root folder and the trash cannot be shared"
                )
            if req.recipient_id == user_id:
                raise ServiceError(
                    ErrorCode.BAD_REQUEST, "a folder cannot be shared with its owner"
                )
            recipient = conn.execute(
                select(accounts.c.user_id).where(accounts.c.user_id == req.recipient_id)
            ).first()
            if recipient is None:
                raise not_found("user")
            if not are_contacts(conn, user_id, req.recipient_id):
                raise ServiceError(
                    ErrorCode.NOT_A_CONTACT,
                    "you can share only with accepted contacts: invite them first",
                )
            taken = conn.execute(
                select(shares.c.share_id).where(
                    (shares.c.share_id == req.share_id)
                    | (
                        (shares.c.owner_id == user_id)
                        & (shares.c.folder_id == req.folder_id)
                        & (shares.c.recipient_id == req.recipient_id)
                    )
                )
            ).first()
            if taken is not None:
                raise ServiceError(
                    ErrorCode.ID_TAKEN, "the share id is taken or the folder is already shared"
                )
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
            if req.roster is not None:
                self._store_roster(conn, user_id, req.folder_id, req.roster)
            return self._views(conn, shares.c.share_id == req.share_id)[0]

    async def create(self, user_id: bytes, req: m.ShareCreateRequest) -> m.ShareView:
        return await to_thread.run_sync(partial(self._create, user_id, req))

    def _views(self, conn: Connection, where: Any) -> list[m.ShareView]:
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
        members = self._members(conn, folders)
        rosters = self._rosters(conn, folders)
        return [
            _view(r, members[(r.owner_id, r.folder_id)], rosters.get((r.owner_id, r.folder_id)))
            for r in rows
        ]

    def _rosters(
        self, conn: Connection, folders: set[tuple[bytes, bytes]]
    ) -> dict[tuple[bytes, bytes], bytes]:
        out: dict[tuple[bytes, bytes], bytes] = {}
        for owner_id, folder_id in folders:
            row = conn.execute(
                select(share_rosters.c.roster).where(
                    (share_rosters.c.owner_id == owner_id)
                    & (share_rosters.c.folder_id == folder_id)
                )
            ).first()
            if row is not None:
                out[(owner_id, folder_id)] = bytes(row.roster)
        return out

    def _store_roster(
        self, conn: Connection, owner_id: bytes, folder_id: bytes, roster: bytes
    ) -> None:
        # The server cannot check the owner's signature or the roster version; members do, and
        # refuse an older roster than one they saw (spec/sharing.md, "Share roster").
        where = (share_rosters.c.owner_id == owner_id) & (share_rosters.c.folder_id == folder_id)
        if conn.execute(update(share_rosters).where(where).values(roster=roster)).rowcount == 0:
            conn.execute(
                insert(share_rosters).values(owner_id=owner_id, folder_id=folder_id, roster=roster)
            )

    def _set_roster(self, user_id: bytes, folder_id: bytes, req: m.RosterUpdate) -> None:
        with self._engine.begin() as conn:
            folder = conn.execute(
                select(nodes.c.node_type).where(
                    (nodes.c.owner_id == user_id) & (nodes.c.node_id == folder_id)
                )
            ).first()
            if folder is None or folder.node_type != "folder":
                raise not_found("folder")
            self._store_roster(conn, user_id, folder_id, req.roster)
            for new in req.envelopes:
                changed = conn.execute(
                    update(shares)
                    .where(
                        (shares.c.share_id == new.share_id)
                        & (shares.c.owner_id == user_id)
                        & (shares.c.folder_id == folder_id)
                    )
                    .values(envelope=new.envelope)
                ).rowcount
                if changed == 0:
                    raise not_found("share")  # rolls back the roster too

    async def set_roster(self, user_id: bytes, folder_id: bytes, req: m.RosterUpdate) -> None:
        """Store the owner's new signed roster of one of their folders, with the new envelopes
        of its members if the folder's key changed, in one transaction."""
        await to_thread.run_sync(partial(self._set_roster, user_id, folder_id, req))

    def _members(
        self, conn: Connection, folders: set[tuple[bytes, bytes]]
    ) -> dict[tuple[bytes, bytes], list[m.ShareMember]]:
        out: dict[tuple[bytes, bytes], list[m.ShareMember]] = defaultdict(list)
        for owner_id, folder_id in folders:
            for row in conn.execute(
                select(shares.c.recipient_id, shares.c.rights, accounts.c.username)
                .select_from(shares.join(accounts, accounts.c.user_id == shares.c.recipient_id))
                .where((shares.c.owner_id == owner_id) & (shares.c.folder_id == folder_id))
                .order_by(shares.c.recipient_id)
            ):
                out[(owner_id, folder_id)].append(
                    m.ShareMember(
                        user_id=row.recipient_id, username=row.username, rights=row.rights
                    )
                )
        return out

    def _list(self, user_id: bytes) -> m.ShareList:
        with read_only(self._engine) as conn:
            return m.ShareList(
                outgoing=self._views(conn, shares.c.owner_id == user_id),
                incoming=self._views(conn, shares.c.recipient_id == user_id),
            )

    async def list(self, user_id: bytes) -> m.ShareList:
        return await to_thread.run_sync(partial(self._list, user_id))

    def _replace_envelope(self, user_id: bytes, share_id: bytes, envelope: bytes) -> None:
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(shares)
                .where((shares.c.share_id == share_id) & (shares.c.owner_id == user_id))
                .values(envelope=envelope)
            ).rowcount
        if changed == 0:
            raise not_found("share")

    async def replace_envelope(self, user_id: bytes, share_id: bytes, envelope: bytes) -> None:
        """The owner sends a member the folder's new key after a rotation. The share (and the
        contact check made when it was created) stays as it is."""
        await to_thread.run_sync(partial(self._replace_envelope, user_id, share_id, envelope))

    def _remove(self, user_id: bytes, share_id: bytes) -> None:
        with self._engine.begin() as conn:
            gone = conn.execute(
                delete(shares).where(
                    (shares.c.share_id == share_id)
                    & or_(shares.c.owner_id == user_id, shares.c.recipient_id == user_id)
                )
            ).rowcount
        if gone == 0:
            raise not_found("share")

    async def remove(self, user_id: bytes, share_id: bytes) -> None:
        """End a share: the owner unshares, or the recipient leaves. Access ends at once."""
        await to_thread.run_sync(partial(self._remove, user_id, share_id))

    # The member's side

    def access(
        self, conn: Connection, user_id: bytes, share_id: bytes, *, write: bool = False
    ) -> ShareAccess:
        """The caller's access through the share; NOT_FOUND unless it is theirs. Writing needs
        write rights: a read member gets NOT_FOUND too, as for anything that is not theirs."""
        row = conn.execute(
            select(shares, accounts.c.trash_id)
            .select_from(shares.join(accounts, accounts.c.user_id == shares.c.owner_id))
            .where((shares.c.share_id == share_id) & (shares.c.recipient_id == user_id))
        ).first()
        if row is None or within(conn, row.owner_id, row.folder_id, row.trash_id):
            raise not_found("share")
        if write and row.rights != WRITE:
            raise ServiceError(ErrorCode.FORBIDDEN, "this share is read-only for you")
        return ShareAccess(row.share_id, row.owner_id, row.folder_id, row.rights)

    def _folder_owner(self, user_id: bytes, share_id: bytes, folder_id: bytes) -> bytes:
        with read_only(self._engine) as conn:
            share = self.access(conn, user_id, share_id)
            if not within(conn, share.owner_id, folder_id, share.folder_id):
                raise not_found("folder")
        return share.owner_id

    def _node_owner(self, user_id: bytes, share_id: bytes, node_id: bytes) -> bytes:
        with read_only(self._engine) as conn:
            share = self.access(conn, user_id, share_id)
            if not within(conn, share.owner_id, node_id, share.folder_id):
                raise not_found("node")
        return share.owner_id

    async def node_owner(self, user_id: bytes, share_id: bytes, node_id: bytes) -> bytes:
        """The owner of ``node_id`` if the share reaches it; NOT_FOUND otherwise."""
        return await to_thread.run_sync(partial(self._node_owner, user_id, share_id, node_id))

    async def folder_owner(self, user_id: bytes, share_id: bytes, folder_id: bytes) -> bytes:
        return await to_thread.run_sync(partial(self._folder_owner, user_id, share_id, folder_id))

    def reaches_content(
        self, conn: Connection, user_id: bytes, share_id: bytes, content_id: bytes
    ) -> bool:
        share = self.access(conn, user_id, share_id)
        return reaches_content(conn, share.owner_id, share.folder_id, True, content_id)

    def _writable(self, user_id: bytes, share_id: bytes) -> ShareAccess:
        with read_only(self._engine) as conn:
            return self.access(conn, user_id, share_id, write=True)

    async def writable(self, user_id: bytes, share_id: bytes) -> ShareAccess:
        return await to_thread.run_sync(partial(self._writable, user_id, share_id))


def _view(row: Row[Any], members: list[m.ShareMember], roster: bytes | None) -> m.ShareView:
    return m.ShareView(
        share_id=row.share_id,
        folder_id=row.folder_id,
        owner_id=row.owner_id,
        owner_username=row.owner_username,
        recipient_id=row.recipient_id,
        recipient_username=row.recipient_username,
        rights=row.rights,
        envelope=row.envelope,
        members=members,
        roster=roster,
    )
