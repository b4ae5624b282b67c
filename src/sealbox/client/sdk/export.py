# SPDX-License-Identifier: AGPL-3.0-or-later
"""The account holder's copy of their data (GDPR Art. 15 and 20): every record the server holds
about them, as the server states it, plus what only this client can read, the drive's names,
sizes and dates, opened and verified here (docs/compliance.md, "Export and erasure")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.tree import Node
from sealbox.client.sdk.walks import Withheld
from sealbox.crypto.tree import FileMetadata

FORMAT = "sealbox-export/1"


def _item(where: str, path: str, node: Node) -> dict[str, Any]:
    modified = datetime.fromtimestamp(node.metadata.mtime / 1000, UTC)
    item: dict[str, Any] = {
        "where": where,
        "path": path,
        "type": "folder" if node.is_folder else "file",
        "modified": modified.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    if isinstance(node.metadata, FileMetadata):
        item |= {"size": node.metadata.size, "mime": node.metadata.mime,
                 "stored_size": node.stored_size}  # fmt: skip
    return item


async def export_account(drive: Drive, withheld: Withheld) -> dict[str, Any]:
    """The export as one JSON-ready object: ``server`` (the server's package for this account:
    ``manifest`` and ``data``) and ``drive`` (every file and folder of the drive and the trash,
    opened by this client). Folders whose items the server withheld go into ``withheld``."""
    server = await drive.session.api.export_account()
    items: list[dict[str, Any]] = []
    for where, top in (("drive", await drive.root()), ("trash", await drive.trash())):
        for path, _parent, node in await drive.iter_tree(top, "", withheld):
            items.append(_item(where, path, node))
    return {
        "format": FORMAT,
        "username": drive.session.username,
        "server": {"manifest": server.manifest, "data": server.data},
        "drive": items,
    }
