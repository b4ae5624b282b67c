# SPDX-License-Identifier: AGPL-3.0-or-later
"""What ``put --dry-run`` and ``get --dry-run`` would do, file by file, without doing any of it:
nothing is sent, written, made, renamed or journaled.

The same destinations as a real run (destinations.py: a remembered one for a rerun), the same
selection and the same comparison (comparison.py). A get's duplicate names are shown under their
remote names (a real run may write some of them under names of their own).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sealbox.client.sdk import comparison, destinations, files
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError
from sealbox.client.sdk.pairing import Pair, Sides, pair_trees
from sealbox.client.sdk.transfer_options import TransferOptions
from sealbox.client.sdk.tree import Folder
from sealbox.crypto.tree import as_file_metadata


class Action(StrEnum):
    SEND = "send"  # put: the content would be uploaded, a new file or a new version
    WRITE = "write"  # get: the local file would be written
    BACKUP = "backup"  # get: the local file would be renamed aside, then written
    UNCHANGED = "unchanged"  # the same on both sides: left alone
    KEEP = "keep"  # get --no-clobber: a different local file left alone


@dataclass(frozen=True)
class Planned:
    action: Action
    local: str
    remote: str
    size: int


async def plan_put(
    drive: Drive, sources: list[Path], remote: str, sides: Sides, options: TransferOptions
) -> list[Planned]:
    for source in sources:
        if not source.exists():
            raise NotFoundError(f"no such local file or folder: {source}")
    key = destinations.journal_key(
        "put", files.space_of(drive), [str(s.resolve()) for s in sources], remote
    )
    landing = destinations.remembered(drive.state, key, len(sources))
    if landing is None:
        landing = await destinations.resolve_put(drive, sources, remote, make=False)
    out: list[Planned] = []
    for source, target in zip(sources, landing, strict=True):
        pairs = await _remote_pairs(drive, source, target, sides)
        for pair in pairs:
            if pair.local is not None:
                out.append(await _put_step(pair, _below(target, pair.relative), options))
    return out


async def _remote_pairs(drive: Drive, source: Path, target: str, sides: Sides) -> list[Pair]:
    try:
        chain, node = await drive.walk(target)
    except NotFoundError:
        chain, node = [], None
    if not source.is_dir():
        remote = node if node is not None and not node.is_folder else None
        return [Pair("", source, remote, chain[-1] if chain else None)]
    folder: Folder | None = None
    if chain and (node is None or node.is_folder):
        folder = chain[0] if node is None else await drive.open_folder(chain[-1], node)
    return await pair_trees(drive.open_folder, source, folder, target, sides)


def _below(top: str, relative: str) -> str:
    return f"{top.rstrip('/')}/{relative}" if relative else top


async def _put_step(pair: Pair, remote: str, options: TransferOptions) -> Planned:
    assert pair.local is not None
    size = pair.local.lstat().st_size if pair.local.is_symlink() else pair.local.stat().st_size
    same = pair.parent is not None and await asyncio.to_thread(
        files.unchanged_remote, pair.parent, pair.remote, pair.local, pair.local.is_symlink(),
        options,
    )  # fmt: skip
    return Planned(Action.UNCHANGED if same else Action.SEND, str(pair.local), remote, size)


async def plan_get(
    drive: Drive,
    sources: list[str],
    local: Path,
    sides: Sides,
    options: TransferOptions,
    top_name: str = "root",
) -> list[Planned]:
    found = [await drive.walk(source) for source in sources]
    key = destinations.journal_key("get", files.space_of(drive), sources, str(local.absolute()))
    landing = destinations.remembered(drive.state, key, len(sources))
    if landing is None:
        landing = destinations.resolve_get([node for _, node in found], local, top_name)
    out: list[Planned] = []
    for source, (chain, node), target in zip(sources, found, landing, strict=True):
        dest = Path(target)
        if node is not None and not node.is_folder:
            pairs = [Pair("", dest if dest.exists() else None, node, chain[-1])]
        else:
            folder = chain[0] if node is None else await drive.open_folder(chain[-1], node)
            here = dest if dest.is_dir() else None
            pairs = await pair_trees(drive.open_folder, here, folder, source, sides)
        for pair in pairs:
            if pair.remote is not None and pair.parent is not None:
                where = dest / pair.relative if pair.relative else dest
                out.append(await _get_step(pair, where, _below(source, pair.relative), options))
    return out


async def _get_step(pair: Pair, dest: Path, remote: str, options: TransferOptions) -> Planned:
    assert pair.remote is not None and pair.parent is not None
    metadata = as_file_metadata(pair.remote.metadata)
    key = pair.remote.record.open_file_key(pair.parent.key)
    outcome = await asyncio.to_thread(comparison.decide, dest, metadata, key, options)
    action = {
        comparison.Outcome.WRITE: Action.WRITE,
        comparison.Outcome.BACKUP: Action.BACKUP,
        comparison.Outcome.UNCHANGED: Action.UNCHANGED,
        comparison.Outcome.KEPT: Action.KEEP,
    }[outcome]
    return Planned(action, str(dest), remote, metadata.size)
