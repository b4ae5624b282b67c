# SPDX-License-Identifier: AGPL-3.0-or-later
"""Public links: the owner creates, lists and revokes them; anyone holding one reads through it.

The server stores a link's sealed secret and the node it opens, and enforces what it can see: the
expiry, the download limit and revocation, on every request that uses the link. It never sees the
link key (spec/sharing.md, "Links"). A link opens its node and every node below it, checked on each
request against the tree as it is now, so a node moved out of a linked folder is out of reach at
once, and a linked node moved to the trash closes the link.
"""

from dataclasses import dataclass
from functools import partial

from anyio import to_thread

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock
from sealbox.server.db import links
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.db.subtrees import reaches_content, within
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.enforcement import refuse_removed_link


@dataclass(frozen=True, slots=True)
class OpenLink:
    """A link that may be used right now."""

    link_id: bytes
    owner_id: bytes
    node_id: bytes
    node_type: str


class LinkService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    # The owner's side

    def _create(self, user_id: bytes, req: m.LinkCreateRequest) -> m.LinkView:
        with writing(self._engine) as conn:
            found = links.node_and_specials(conn, user_id, req.node_id)
            if found is None:
                raise not_found("node")
            node_type, root_id, trash_id = found
            if req.node_id in (root_id, trash_id) or within(conn, user_id, req.node_id, trash_id):
                raise ServiceError(
                    ErrorCode.BAD_REQUEST, "the root folder and the trash cannot be linked"
                )
            if links.exists(conn, req.link_id):
                raise ServiceError(ErrorCode.ID_TAKEN, "link id already in use")
            expires_at = None if req.expires_in is None else int(self._clock.now()) + req.expires_in
            links.add(conn, user_id, req, node_type, expires_at)
        return m.LinkView(
            link_id=req.link_id,
            node_id=req.node_id,
            node_type=node_type,
            expires_at=expires_at,
            max_downloads=req.max_downloads,
            downloads=0,
        )

    async def create(self, user_id: bytes, req: m.LinkCreateRequest) -> m.LinkView:
        return await to_thread.run_sync(partial(self._create, user_id, req))

    def _list(self, user_id: bytes) -> m.LinkList:
        with read_only(self._engine) as conn:
            return m.LinkList(links=links.list_views(conn, user_id))

    async def list(self, user_id: bytes) -> m.LinkList:
        return await to_thread.run_sync(partial(self._list, user_id))

    def _revoke(self, user_id: bytes, link_id: bytes) -> None:
        with writing(self._engine) as conn:
            gone = links.revoke(conn, user_id, link_id)
        if not gone:
            raise not_found("link")

    async def revoke(self, user_id: bytes, link_id: bytes) -> None:
        """Delete the link and its secret; every later request through it is refused."""
        await to_thread.run_sync(partial(self._revoke, user_id, link_id))

    # The visitor's side

    def _check(self, conn: Connection, link_id: bytes, *, opening: bool) -> links.LinkRow:
        row = links.find(conn, link_id)
        # A link a decision disabled answers with its reason, even after its row is gone.
        refuse_removed_link(conn, link_id, None if row is None else row.owner_id)
        if row is None or within(conn, row.owner_id, row.node_id, row.trash_id):
            raise not_found("link")
        if row.expires_at is not None and self._clock.now() >= row.expires_at:
            raise ServiceError(ErrorCode.LINK_EXPIRED, "this link has expired")
        if row.max_downloads is not None:
            spent = row.downloads >= row.max_downloads if opening else False
            if spent or row.downloads > row.max_downloads:
                raise ServiceError(
                    ErrorCode.LINK_EXHAUSTED, "this link has reached its download limit"
                )
        return row

    def usable(self, conn: Connection, link_id: bytes, *, opening: bool = False) -> OpenLink:
        """The link if it may be used now. Opening counts against the download limit; the
        requests that follow an opening (listings, content) pass while the count is within it.
        """
        row = self._check(conn, link_id, opening=opening)
        return OpenLink(row.link_id, row.owner_id, row.node_id, row.node_type)

    def _open(self, link_id: bytes) -> m.LinkOpened:
        with writing(self._engine) as conn:
            self._check(conn, link_id, opening=True)
            if not links.count_download(conn, link_id):
                raise ServiceError(
                    ErrorCode.LINK_EXHAUSTED, "this link has reached its download limit"
                )
            row = links.find(conn, link_id)
            owner = links.owner_of(conn, link_id)
        if row is None:  # the row is locked by the count above; it cannot vanish
            raise not_found("link")
        left = None if row.max_downloads is None else row.max_downloads - row.downloads
        return m.LinkOpened(
            link_id=row.link_id,
            node_id=row.node_id,
            node_type=row.node_type,
            secret=row.secret,
            owner_username=owner.username,
            owner_bundle=owner.identity_bundle,
            expires_at=row.expires_at,
            downloads_left=left,
        )

    async def open(self, link_id: bytes) -> m.LinkOpened:
        """What a visitor needs to open the link; counts one download."""
        return await to_thread.run_sync(partial(self._open, link_id))

    def _folder_owner(self, link_id: bytes, folder_id: bytes) -> bytes:
        with read_only(self._engine) as conn:
            link = self.usable(conn, link_id)
            if link.node_type != "folder" or not within(
                conn, link.owner_id, folder_id, link.node_id
            ):
                raise not_found("folder")
        return link.owner_id

    async def folder_owner(self, link_id: bytes, folder_id: bytes) -> bytes:
        """The account whose folder ``folder_id`` the link reaches; NOT_FOUND if it does not."""
        return await to_thread.run_sync(partial(self._folder_owner, link_id, folder_id))

    def reaches_content(self, conn: Connection, link_id: bytes, content_id: bytes) -> bool:
        """Whether a node (or an earlier version of one) inside the link's subtree names the
        content. Raises for a link that cannot be used now."""
        link = self.usable(conn, link_id)
        return reaches_content(
            conn, link.owner_id, link.node_id, link.node_type == "folder", content_id
        )
