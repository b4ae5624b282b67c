"""Public links: the owner creates, lists and revokes them; anyone holding one reads through it.

The server stores a link's sealed secret and the node it opens, and enforces what it can see: the
expiry, the download limit and revocation, on every request that uses the link. It never sees the
link key (spec/sharing.md, "Links"). A link opens its node and every node below it, checked on each
request against the tree as it is now, so a node moved out of a linked folder is out of reach at
once, and a linked node moved to the trash closes the link.
"""

from dataclasses import dataclass
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy import Connection, Engine, Row, delete, insert, select, update

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import accounts, content_imports, links, nodes
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.subtrees import reaches_content, within


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
        with self._engine.begin() as conn:
            row = conn.execute(
                select(nodes.c.node_type, accounts.c.root_id, accounts.c.trash_id)
                .select_from(nodes.join(accounts, accounts.c.user_id == nodes.c.owner_id))
                .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == req.node_id))
            ).first()
            if row is None:
                raise not_found("node")
            if req.node_id in (row.root_id, row.trash_id) or within(
                conn, user_id, req.node_id, row.trash_id
            ):
                raise ServiceError(
                    ErrorCode.BAD_REQUEST, "the root folder and the trash cannot be linked"
                )
            if conn.execute(select(links.c.link_id).where(links.c.link_id == req.link_id)).first():
                raise ServiceError(ErrorCode.ID_TAKEN, "link id already in use")
            expires_at = None if req.expires_in is None else int(self._clock.now()) + req.expires_in
            conn.execute(
                insert(links).values(
                    link_id=req.link_id,
                    owner_id=user_id,
                    node_id=req.node_id,
                    node_type=row.node_type,
                    secret=req.secret,
                    expires_at=expires_at,
                    max_downloads=req.max_downloads,
                    downloads=0,
                )
            )
        return m.LinkView(
            link_id=req.link_id,
            node_id=req.node_id,
            node_type=row.node_type,
            expires_at=expires_at,
            max_downloads=req.max_downloads,
            downloads=0,
        )

    async def create(self, user_id: bytes, req: m.LinkCreateRequest) -> m.LinkView:
        return await to_thread.run_sync(partial(self._create, user_id, req))

    def _list(self, user_id: bytes) -> m.LinkList:
        with read_only(self._engine) as conn:
            rows = conn.execute(
                select(links).where(links.c.owner_id == user_id).order_by(links.c.link_id)
            ).all()
        return m.LinkList(links=[_view(r) for r in rows])

    async def list(self, user_id: bytes) -> m.LinkList:
        return await to_thread.run_sync(partial(self._list, user_id))

    def _revoke(self, user_id: bytes, link_id: bytes) -> None:
        with self._engine.begin() as conn:
            gone = conn.execute(
                delete(links).where((links.c.link_id == link_id) & (links.c.owner_id == user_id))
            ).rowcount
        if gone == 0:
            raise not_found("link")

    async def revoke(self, user_id: bytes, link_id: bytes) -> None:
        """Delete the link and its secret; every later request through it is refused."""
        await to_thread.run_sync(partial(self._revoke, user_id, link_id))

    # The visitor's side

    def usable(self, conn: Connection, link_id: bytes, *, opening: bool = False) -> OpenLink:
        """The link if it may be used now. Opening counts against the download limit; the
        requests that follow an opening (listings, content) pass while the count is within it.
        """
        row = conn.execute(
            select(links, accounts.c.trash_id)
            .select_from(links.join(accounts, accounts.c.user_id == links.c.owner_id))
            .where(links.c.link_id == link_id)
        ).first()
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
        return OpenLink(row.link_id, row.owner_id, row.node_id, row.node_type)

    def _open(self, link_id: bytes) -> m.LinkOpened:
        with self._engine.begin() as conn:
            link = self.usable(conn, link_id, opening=True)
            # The guard repeats the limit so that two concurrent openings cannot both take the
            # last download.
            counted = conn.execute(
                update(links)
                .where(
                    (links.c.link_id == link_id)
                    & (
                        links.c.max_downloads.is_(None)
                        | (links.c.downloads < links.c.max_downloads)
                    )
                )
                .values(downloads=links.c.downloads + 1)
            ).rowcount
            if counted == 0:
                raise ServiceError(
                    ErrorCode.LINK_EXHAUSTED, "this link has reached its download limit"
                )
            row = conn.execute(
                select(links, accounts.c.username, accounts.c.identity_bundle)
                .select_from(links.join(accounts, accounts.c.user_id == links.c.owner_id))
                .where(links.c.link_id == link_id)
            ).one()
        left = None if row.max_downloads is None else row.max_downloads - row.downloads
        return m.LinkOpened(
            link_id=link.link_id,
            node_id=link.node_id,
            node_type=row.node_type,
            secret=row.secret,
            owner_username=row.username,
            owner_bundle=row.identity_bundle,
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


def record_import(conn: Connection, importer_id: bytes, link_id: bytes, content_id: bytes) -> None:
    """Remember that ``importer_id`` took ``content_id`` from ``link_id`` (once)."""
    seen = conn.execute(
        select(content_imports.c.content_id).where(
            (content_imports.c.content_id == content_id)
            & (content_imports.c.importer_id == importer_id)
            & (content_imports.c.link_id == link_id)
        )
    ).first()
    if seen is None:
        conn.execute(
            insert(content_imports).values(
                content_id=content_id, importer_id=importer_id, link_id=link_id
            )
        )


def _view(row: Row[Any]) -> m.LinkView:
    return m.LinkView(
        link_id=row.link_id,
        node_id=row.node_id,
        node_type=row.node_type,
        expires_at=row.expires_at,
        max_downloads=row.max_downloads,
        downloads=row.downloads,
    )
