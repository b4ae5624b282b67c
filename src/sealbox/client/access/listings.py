# SPDX-License-Identifier: AGPL-3.0-or-later
"""Verified folder listings by path, kept a short while so a client that asks about every name
in a folder (a WebDAV PROPFIND, an fsspec ``ls``) does not list and verify the folder once per
name.

Every listing kept was verified when it was fetched (tree.py); keeping it only delays seeing
someone else's change. It is dropped after ``ttl`` seconds, at once when this process changes
the drive, and as soon as the account's change feed reports any transaction (spec/http-api.md
§7). The feed is only a hint to look again: what it says is never trusted for anything else.

Items the operator removed after a published decision (spec/compliance.md §3.4) are not listed;
each is told once through ``note`` as a listing first meets it. The node id of every name listed
is remembered, so that a name this process listed and a decision then removed is told apart from
a name that was never there (``Removed`` with ``certain``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sealbox.client.access.errors import APPEAL, Removed
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import SealboxError
from sealbox.client.sdk.tree import Folder, Node, join_path, missing, split_path

FEED_WAIT = 25  # seconds one long poll of the change feed may wait
FEED_RETRY = 5.0  # seconds to wait after the feed failed
SEEN_AT_MOST = 200_000  # names whose node ids are remembered; past that, forgotten and begun anew
log = logging.getLogger("sealbox.access")


class Listings:
    def __init__(
        self, drive: Drive, ttl: float = 2.0, clock: Callable[[], float] = time.monotonic,
        note: Callable[[str], None] | None = None,
    ) -> None:  # fmt: skip
        self.drive, self.ttl, self.clock = drive, ttl, clock
        self.note = note or log.warning
        self._kept: dict[str, tuple[float, Folder]] = {}
        self._seen: dict[str, bytes] = {}  # path -> node id, of every name listed
        self._told: set[tuple[str, str]] = set()  # (folder path, decision) already told

    def clear(self) -> None:
        self._kept.clear()

    def forget(self, *paths: str) -> None:
        """Drop what a change at each of ``paths`` makes stale: the listing of the folder it is
        in, and its own and every one below it (a folder moved, copied over or removed)."""
        for path in paths:
            parts = split_path(path)
            if not parts:
                self.clear()
                return
            self._kept.pop(join_path(parts[:-1]), None)
            where = join_path(parts)
            for kept in [k for k in self._kept if k == where or k.startswith(where + "/")]:
                del self._kept[kept]

    async def folder(self, path: str) -> Folder:
        """The verified listing of the folder at ``path``."""
        parts = split_path(path)
        where = join_path(parts)
        kept = self._kept.get(where)
        if kept is not None and self.clock() - kept[0] < self.ttl:
            return kept[1]
        if not parts:
            folder = await self.drive.root()
        else:
            parent, node = await self.lookup(where)
            if not node.is_folder:
                raise NotADirectoryError(f"not a folder: {where}")
            folder = await self.drive.open_folder(parent, node)
        self._kept[where] = (self.clock(), folder)
        self._remember(where, folder)
        return folder

    def _remember(self, where: str, folder: Folder) -> None:
        """Note the node id of each name listed, and tell each removal not told yet."""
        if len(self._seen) > SEEN_AT_MOST:
            self._seen.clear()
        prefix = where.rstrip("/")
        self._seen.update({f"{prefix}/{node.name}": node.node_id for node in folder.children})
        # The SDK collects removals for a command to tell at its end; here they are told once
        # each, as met, and the collection is not left to grow while the handle lives.
        self.drive.noticed.removed.clear()
        self.drive.noticed.false_claims.clear()
        for removal in folder.removed:
            if (where, removal.decision) in self._told:
                continue
            self._told.add((where, removal.decision))
            self.note(
                f"an item of {where} was removed by the operator after {removal.because} "
                f"(reason {removal.reason}, decision {removal.decision}); it is not listed. "
                f"{APPEAL}"
            )

    async def lookup(self, path: str) -> tuple[Folder, Node]:
        """The node at ``path`` (not the root) and the verified folder it is listed in."""
        parts = split_path(path)
        if not parts:
            raise SealboxError("the root folder has no parent")
        parent = await self.folder(join_path(parts[:-1]))
        where = join_path(parts)
        node = parent.child(parts[-1])
        if node is None:
            listed = self._seen.get(where)
            gone = [r for r in parent.removed if r.node_id == listed]
            if gone:  # listed here before, and a published decision removed that very node
                raise Removed(where, [(r.reason, r.decision) for r in gone], certain=True)
            missing(parent, f"no such file or folder: {where}")
        return parent, node

    async def watch_feed(self) -> None:
        """Drop every kept listing whenever the change feed reports a transaction; runs until
        cancelled."""
        cursor, caught_up = 0, False
        while True:
            try:
                page = await self.drive.api.feed(cursor, wait=FEED_WAIT if caught_up else 0)
            except Exception:  # unreachable, refused or malformed: kept listings expire anyway
                await asyncio.sleep(FEED_RETRY)
                continue
            if page.entries and caught_up:
                self.clear()
            cursor = max(cursor, page.cursor)
            caught_up = not page.more
