# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading the drive: nodes, folder listings and the kept versions of files.

Changes go through the folder transaction (services/transaction.py).
"""

from dataclasses import dataclass
from functools import partial

from anyio import to_thread

from sealbox.protocol import models as m
from sealbox.server.db import nodes
from sealbox.server.db.engine import Engine, read_only
from sealbox.server.db.nodes import ListedFolder, ListedNode
from sealbox.server.errors import not_found

# Where a node record carries its node version (spec/metadata.md, "Node records": a public field).
RECORD_NODE_VERSION = slice(39, 47)

__all__ = ["DriveService", "ListedFolder", "ListedNode", "Listing"]


@dataclass(frozen=True, slots=True)
class Listing:
    """A folder (its manifest and version) and its children, read in one snapshot."""

    folder: ListedFolder
    children: list[ListedNode]

    def json(self) -> m.FolderListing:
        return m.FolderListing(
            node_id=self.folder.node_id,
            manifest_version=self.folder.manifest_version,
            manifest=self.folder.manifest,
            children=[nodes.view(c) for c in self.children],
        )


class DriveService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _node(self, user_id: bytes, node_id: bytes) -> m.NodeView:
        with read_only(self._engine) as conn:
            found = nodes.node(conn, user_id, node_id)
        if found is None:
            raise not_found("node")
        return nodes.view(found)

    async def node(self, user_id: bytes, node_id: bytes) -> m.NodeView:
        return await to_thread.run_sync(partial(self._node, user_id, node_id))

    def _listing(self, user_id: bytes, folder_id: bytes) -> Listing:
        with read_only(self._engine) as conn:
            folder = nodes.folder(conn, user_id, folder_id)
            if folder is None:
                raise not_found("folder")
            children = nodes.children(conn, user_id, folder_id)
        return Listing(folder, children)

    async def listing(self, user_id: bytes, folder_id: bytes) -> Listing:
        """The folder's manifest and version and its children, read in one snapshot."""
        return await to_thread.run_sync(partial(self._listing, user_id, folder_id))

    def _versions(self, user_id: bytes, node_id: bytes) -> m.VersionList:
        with read_only(self._engine) as conn:
            if nodes.node_type(conn, user_id, node_id) is None:
                raise not_found("node")
            kept = nodes.kept_versions(conn, user_id, node_id)
        return m.VersionList(
            versions=[
                m.VersionView(
                    version=int.from_bytes(v.record[RECORD_NODE_VERSION], "little"),
                    record=v.record,
                    content_id=v.content_id,
                    size=v.size,
                )
                for v in kept
            ]
        )

    async def versions(self, user_id: bytes, node_id: bytes) -> m.VersionList:
        return await to_thread.run_sync(partial(self._versions, user_id, node_id))
