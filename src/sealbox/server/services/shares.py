# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shares between accounts: an owner grants a folder (and its subtree) to another account.

The server stores the owner's share envelope (the folder key sealed to the recipient and signed by
the owner) and enforces the rights it can see: members read the shared subtree through the share,
and write members change it with folder transactions confined to it. Whether a signature is
genuine is the clients' business (spec/sharing.md, "Writers sign").
"""

from dataclasses import dataclass
from functools import partial

from anyio import to_thread

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.rights import WRITE
from sealbox.server.db import accounts, contacts, nodes, shares
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.db.subtrees import reaches_content, within
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.accounts import normalise_username


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
            found = accounts.bundle(conn, normalise_username(username))
        if found is None:
            raise not_found("user")
        return found

    async def bundle(self, username: str) -> m.UserBundle:
        """Another account's public identity bundle, which clients verify against their pins."""
        return await to_thread.run_sync(partial(self._bundle, username))

    # The owner's side

    def _create(self, user_id: bytes, req: m.ShareCreateRequest) -> m.ShareView:
        with writing(self._engine) as conn:
            folder = shares.folder_and_specials(conn, user_id, req.folder_id)
            if folder is None or folder[0] != "folder":
                raise not_found("folder")
            _node_type, root_id, trash_id = folder
            if req.folder_id in (root_id, trash_id) or within(
                conn, user_id, req.folder_id, trash_id
            ):
                raise ServiceError(
                    ErrorCode.BAD_REQUEST, "the root folder and the trash cannot be shared"
                )
            if req.recipient_id == user_id:
                raise ServiceError(
                    ErrorCode.BAD_REQUEST, "a folder cannot be shared with its owner"
                )
            if not accounts.exists(conn, req.recipient_id):
                raise not_found("user")
            if not contacts.are_contacts(conn, user_id, req.recipient_id):
                raise ServiceError(
                    ErrorCode.NOT_A_CONTACT,
                    "you can share only with accepted contacts: invite them first",
                )
            if shares.taken(conn, user_id, req):
                raise ServiceError(
                    ErrorCode.ID_TAKEN, "the share id is taken or the folder is already shared"
                )
            shares.add(conn, user_id, req)
            if req.roster is not None:
                shares.store_roster(conn, user_id, req.folder_id, req.roster)
            return shares.view(conn, req.share_id)

    async def create(self, user_id: bytes, req: m.ShareCreateRequest) -> m.ShareView:
        return await to_thread.run_sync(partial(self._create, user_id, req))

    def _set_roster(self, user_id: bytes, folder_id: bytes, req: m.RosterUpdate) -> None:
        with writing(self._engine) as conn:
            if nodes.node_type(conn, user_id, folder_id) != "folder":
                raise not_found("folder")
            shares.store_roster(conn, user_id, folder_id, req.roster)
            for new in req.envelopes:
                if not shares.set_envelope(conn, user_id, new.share_id, new.envelope, folder_id):
                    raise not_found("share")  # rolls back the roster too

    async def set_roster(self, user_id: bytes, folder_id: bytes, req: m.RosterUpdate) -> None:
        """Store the owner's new signed roster of one of their folders, with the new envelopes
        of its members if the folder's key changed, in one transaction."""
        await to_thread.run_sync(partial(self._set_roster, user_id, folder_id, req))

    def _rosters(self, user_id: bytes) -> m.RosterList:
        with read_only(self._engine) as conn:
            return m.RosterList(rosters=shares.own_rosters(conn, user_id))

    async def rosters(self, user_id: bytes) -> m.RosterList:
        """The caller's own rosters, including those of folders no one is a member of any more."""
        return await to_thread.run_sync(partial(self._rosters, user_id))

    def _list(self, user_id: bytes) -> m.ShareList:
        with read_only(self._engine) as conn:
            return m.ShareList(
                outgoing=shares.outgoing(conn, user_id), incoming=shares.incoming(conn, user_id)
            )

    async def list(self, user_id: bytes) -> m.ShareList:
        return await to_thread.run_sync(partial(self._list, user_id))

    def _replace_envelope(self, user_id: bytes, share_id: bytes, envelope: bytes) -> None:
        with writing(self._engine) as conn:
            changed = shares.set_envelope(conn, user_id, share_id, envelope)
        if not changed:
            raise not_found("share")

    async def replace_envelope(self, user_id: bytes, share_id: bytes, envelope: bytes) -> None:
        """The owner sends a member the folder's new key after a rotation. The share (and the
        contact check made when it was created) stays as it is."""
        await to_thread.run_sync(partial(self._replace_envelope, user_id, share_id, envelope))

    def _remove(self, user_id: bytes, share_id: bytes) -> None:
        with writing(self._engine) as conn:
            gone = shares.remove(conn, user_id, share_id)
        if not gone:
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
        row = shares.member_access(conn, user_id, share_id)
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
