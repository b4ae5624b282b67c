# SPDX-License-Identifier: AGPL-3.0-or-later
"""Drop links (file requests, spec/sharing.md "Drop links"): the owner makes one for a folder,
anyone holding it uploads files sealed to the drop's public key, and the owner accepts them into
the folder after checking them.

The URL is ``<server>/d/<drop id>#d<drop public key>``: the public key comes from the person who
was given the link, never from the server, so uploads are sealed to the owner's key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
from msgspec.structs import replace

from sealbox.client.sdk import addresses, transfers
from sealbox.client.sdk.addresses import DROP_PATH
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError, SealboxError
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.tree import Folder
from sealbox.crypto import content
from sealbox.crypto.drops import (
    DropKeys,
    DroppedFile,
    open_drop_upload,
    parse_drop_fragment,
    seal_drop_upload,
    unwrap_drop_keys,
    wrap_drop_keys,
)
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FolderKey, RandomSource, system_random
from sealbox.crypto.layout import b64url
from sealbox.protocol import models as m
from sealbox.protocol import routes


@dataclass(frozen=True)
class DropAddress:
    server: str
    drop_id: bytes
    public_key: bytes = field(repr=False)


def is_drop_link(text: str) -> bool:
    return addresses.looks_like(text, DROP_PATH)


def parse_drop_link(url: str) -> DropAddress:
    """Split ``<server>/d/<drop id>#d<public key>``; a damaged URL is a ValueError."""
    shape = "<server>/d/<id>#d<key>"
    server, drop_id, fragment = addresses.split_url(url, DROP_PATH, "drop link", shape)
    return DropAddress(server, drop_id, parse_drop_fragment(fragment))


def drop_url(server: str, drop_id: bytes, fragment: str) -> str:
    return addresses.make_url(server, DROP_PATH, drop_id, fragment)


class DropApi(Api):
    """The anonymous uploader's calls: uploads into one drop, and delivering them."""

    def __init__(self, http: httpx.AsyncClient, drop_id: bytes) -> None:
        super().__init__(http, None)
        self.drop_id = drop_id

    def _uploads_path(self) -> str:
        return routes.DROP_UPLOADS.format(drop_id=b64url(self.drop_id))

    def _upload_path(self, content_id: bytes) -> str | None:
        return None  # an uploader cannot abandon a drop upload; the server lets it expire

    def _chunk_path(self, content_id: bytes, index: int) -> str:
        return routes.DROP_UPLOAD_CHUNK.format(
            drop_id=b64url(self.drop_id), content_id=b64url(content_id), index=index
        )

    async def deliver(self, request: m.DropDelivery) -> None:
        path = routes.DROP_FILES.format(drop_id=b64url(self.drop_id))
        await self._send("POST", path, json=request.model_dump(mode="json"))


# The owner


async def _folder_and_key(drive: Drive, path: str) -> tuple[bytes, FolderKey, str]:
    chain, node = await drive.walk(path)
    if node is None:
        return drive.session.root_id, drive.session.root_key, "/"
    if not node.is_folder:
        raise SealboxError(f"not a folder: {path}")
    return node.node_id, node.record.open_folder_key(chain[-1].key), path


async def create_drop(
    drive: Drive, path: str, expires_in: int | None = None
) -> tuple[str, m.DropView]:
    """Make a drop link into the folder at ``path``, which the server refuses after
    ``expires_in`` seconds if given; returns its URL."""
    folder_id, key, _ = await _folder_and_key(drive, path)
    keys, drop_id = DropKeys.generate(drive.rng), drive.rng(16)
    wrap = wrap_drop_keys(key, keys, drop_id, folder_id, drive.rng)
    view = await drive.api.create_drop(
        m.DropCreateRequest(
            drop_id=drop_id,
            folder_id=folder_id,
            public_key=keys.public,
            key_wrap=wrap,
            expires_in=expires_in,
        )
    )
    return drop_url(drive.session.server, drop_id, keys.fragment()), view


# One message for every way a dropped object can fail to open, so that what the owner's client
# shows or does never depends on which check failed (threat catalogue A5, A6).
DAMAGED = "cannot be opened: damaged, or not sealed to this drop link"


@dataclass(frozen=True)
class Pending:
    """A file waiting in a drop. Its name and type come from an anonymous stranger.

    ``dropped`` is None when the drop upload does not open: anyone who holds the link can send
    garbage, and one such file must not stop the owner from seeing and accepting the others.
    """

    drop_id: bytes
    folder_path: str
    content_id: bytes
    size: int
    dropped: DroppedFile | None

    def opened(self) -> DroppedFile:
        if self.dropped is None:
            raise IntegrityError(ErrorCode.DECRYPT_FAILED, DAMAGED)
        return self.dropped


def _open_pending(
    keys: DropKeys, view: m.DropView, folder_path: str, f: m.DroppedFileView
) -> Pending:
    try:
        dropped: DroppedFile | None = open_drop_upload(keys, f.sealed, view.drop_id)
    except IntegrityError:
        dropped = None
    return Pending(view.drop_id, folder_path, f.content_id, f.size, dropped)


@dataclass(frozen=True)
class OwnedDrop:
    view: m.DropView
    folder_path: str
    url: str
    pending: list[Pending]


async def list_drops(drive: Drive) -> list[OwnedDrop]:
    """The account's drop links, each with its pending files opened with the drop's keys."""
    views = (await drive.api.drops()).drops
    if not views:
        return []
    folders: dict[bytes, tuple[FolderKey, str]] = {
        drive.session.root_id: (drive.session.root_key, "/")
    }
    for path, parent, node in await drive.iter_tree(await drive.root()):
        if node.is_folder:
            folders[node.node_id] = (node.record.open_folder_key(parent.key), path)
    out = []
    for view in views:
        found = folders.get(view.folder_id)
        url = drop_url(drive.session.server, view.drop_id, "d" + b64url(view.public_key))
        if found is None:
            # The folder is in the trash: the server refuses uploads until it is restored.
            out.append(OwnedDrop(view, "(not in the drive)", url, []))
            continue
        key, path = found
        keys = unwrap_drop_keys(key, view.key_wrap, view.drop_id, view.folder_id, view.public_key)
        pending = [
            _open_pending(keys, view, path, f)
            for f in (await drive.api.drop_files(view.drop_id)).files
        ]
        out.append(OwnedDrop(view, path, url, pending))
    return out


async def accept(drive: Drive, item: Pending) -> str:
    """Read the whole dropped file (every chunk decrypted and authenticated, then discarded),
    then add it to the drop's folder as a new file signed by the owner (under a free name).
    Returns its path. A file that does not read whole is refused and stays waiting: the owner
    never signs what it has not read (spec/sharing.md, "Drop links")."""
    dropped = item.opened()
    meta = dropped.metadata
    if meta.content_id != item.content_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the drop names other content")
    await _read_whole(drive, item, dropped)

    async def attempt() -> str:
        folder = await _folder(drive, item.folder_path)
        name = _free(folder, meta.name)
        change = Change()
        metadata = replace(meta, name=name, trashed_from=None)
        drive.add_file(change, folder, metadata, dropped.file_key)
        await drive.commit(change)
        return f"{item.folder_path.rstrip('/')}/{name}"

    return await drive.retrying(attempt)


async def _read_whole(drive: Drive, item: Pending, dropped: DroppedFile) -> None:
    """Authenticate every chunk of a dropped content object, one chunk in memory at a time."""
    meta = dropped.metadata
    header = await drive.api.content_range(item.content_id, 0, content.HEADER_BYTES)
    # Opening the header checks its commitment to the file key, content id and size.
    reader = content.ContentDecryptor(
        dropped.file_key, header, item.content_id, meta.header_hash, meta.size
    )
    total = content.encrypted_size(meta.size, reader.chunk_size)
    if item.size != total:
        raise IntegrityError(ErrorCode.CONTENT_LENGTH, "dropped content has the wrong length")
    stream = drive.api.content_range_stream(item.content_id, content.HEADER_BYTES, total)
    async with stream as (pieces, _):
        filler = transfers.ChunkFiller(pieces)
        for index in range(reader.chunks):
            first, last = reader.chunk_range(index)
            sealed = memoryview(bytearray(last - first))
            async with drive.api.deadline_for(f"chunk {index} of a dropped file"):
                received = await filler.fill(sealed)
            if received != len(sealed):
                raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index} of a dropped file")
            reader.decrypt_chunk(index, bytes(sealed))
        if await filler.fill(memoryview(bytearray(1))):
            raise IntegrityError(ErrorCode.CONTENT_LENGTH, "bytes after the final chunk")


async def reject(drive: Drive, item: Pending) -> None:
    await drive.api.reject_dropped(item.drop_id, item.content_id)


async def delete_drop(drive: Drive, drop_id: bytes) -> None:
    await drive.api.delete_drop(drop_id)


async def _folder(drive: Drive, path: str) -> Folder:
    return await drive.root() if path == "/" else await drive.folder_at(path)


def _free(folder: Folder, name: str) -> str:
    if not folder.named(name):
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    counter = 2
    while True:
        candidate = f"{stem} ({counter}){'.' + ext if ext else ''}"
        if not folder.named(candidate):
            return candidate
        counter += 1


# The anonymous uploader


async def drop_files(
    http: httpx.AsyncClient,
    state: LocalState,
    address: DropAddress,
    paths: list[Path],
    rng: RandomSource = system_random,
    progress: transfers.Progress = lambda _: None,
    resumed: transfers.Progress | None = None,
) -> int:
    """Upload local files through a drop link; returns how many were delivered. ``progress`` and
    ``resumed`` are as for transfers.upload."""
    for path in paths:
        if not path.is_file():
            raise NotFoundError(f"not a file: {path}")
    api = DropApi(http, address.drop_id)
    scope = f"{address.server}:drop:{b64url(address.drop_id)}"
    for path in paths:
        sealed = await transfers.upload(
            api, state, scope, path, path.name, rng=rng, progress=progress, resumed=resumed
        )
        dropped = seal_drop_upload(
            address.public_key, address.drop_id, sealed.file_key, sealed.metadata, rng
        )
        await api.deliver(m.DropDelivery(content_id=sealed.metadata.content_id, sealed=dropped))
        if sealed.journal_key:
            state.drop_journal(sealed.journal_key)
    return len(paths)
