# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the inspector may read (spec/compliance.md §8): the reported link's secret and the
content objects that link reaches, even though the report disabled the link for everyone else.
Nothing else: no other link, no account data, no listing of anything the link does not open."""

from sealbox.protocol import models as m
from sealbox.server.db import cases, contents, links
from sealbox.server.db.engine import Connection, Engine, read_only
from sealbox.server.db.subtrees import reaches_content
from sealbox.server.errors import not_found
from sealbox.server.services.contents import ContentInfo


class InspectionReads:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _link(self, conn: Connection, report_id: bytes) -> links.LinkRow:
        found = cases.find(conn, report_id)
        if found is None or found.kind == "copyright" or found.state != "received":
            raise not_found("abuse report under review")
        for link_id in cases.link_ids(conn, report_id):
            row = links.find(conn, link_id)
            if row is not None:
                return row
        raise not_found("reported link")

    def open(self, report_id: bytes) -> m.LinkOpened:
        """The reported link's sealed secret, as a visitor's open returns it (not counted)."""
        with read_only(self._engine) as conn:
            row = self._link(conn, report_id)
            owner = links.owner_of(conn, row.link_id)
        return m.LinkOpened(
            link_id=row.link_id, node_id=row.node_id, node_type=row.node_type, secret=row.secret,
            owner_username=owner.username, owner_bundle=owner.identity_bundle,
            expires_at=row.expires_at, downloads_left=None,
        )  # fmt: skip

    def content(self, report_id: bytes, content_id: bytes) -> ContentInfo:
        with read_only(self._engine) as conn:
            row = self._link(conn, report_id)
            folder = row.node_type == "folder"
            if not reaches_content(conn, row.owner_id, row.node_id, folder, content_id):
                raise not_found("content")
            stored = contents.find(conn, content_id)
        if stored is None:
            raise not_found("content")
        return ContentInfo(stored.content_id, stored.header, stored.layout)
