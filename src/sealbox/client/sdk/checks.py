# SPDX-License-Identifier: AGPL-3.0-or-later
"""``check LOCAL REMOTE``: compare a local folder (or file) with a remote one by content.

Each file path below either side is one of: only local, only remote, differing, identical.
Sizes are compared first (a different size differs, nothing is read). Otherwise the local file is
hashed under the remote file's key and compared with the keyed plaintext hash in its metadata
(spec/object-format.md, "Plaintext hash"), so nothing is downloaded; with ``download``, or for a
remote file that has no hash, the remote file is downloaded, verified chunk by chunk as any
download is, and hashed as it arrives (nothing is written to disk). A remote file that fails
verification stops the check with IntegrityError, like every other read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sealbox.client.sdk import comparison
from sealbox.client.sdk.errors import SealboxError
from sealbox.client.sdk.files import TreeReader, stream_content
from sealbox.client.sdk.pairing import Pair, Sides, pair_trees
from sealbox.client.sdk.tree import join_path, split_path
from sealbox.crypto.content import PlaintextHasher
from sealbox.crypto.tree import as_file_metadata


class Verdict(StrEnum):
    IDENTICAL = "identical"
    DIFFERING = "differing"
    ONLY_LOCAL = "only_local"
    ONLY_REMOTE = "only_remote"


class How(StrEnum):
    """What a verdict on a file present on both sides rests on."""

    NONE = "none"  # on one side only
    SIZE = "size"  # the sizes differ
    HASH = "hash"  # the local file hashed against the metadata's plaintext hash
    DOWNLOAD = "download"  # the remote file downloaded, verified and hashed


@dataclass(frozen=True)
class Checked:
    relative: str
    verdict: Verdict
    how: How = How.NONE


async def check(
    reader: TreeReader, local: Path, remote: str, sides: Sides, *, download: bool = False
) -> list[Checked]:
    """Every file below ``local`` and ``remote`` with its verdict, by path."""
    chain, node = await reader.walk(remote)
    if node is not None and not node.is_folder:
        if local.is_dir():
            raise SealboxError(f"{local} is a folder and {remote} a file: compare like with like")
        pairs = [Pair(node.name, local if local.exists() else None, node, chain[-1])]
    else:
        if not local.is_dir():
            raise SealboxError(f"{remote} is a folder and {local} is not a local folder")
        folder = chain[0] if node is None else await reader.open_folder(chain[-1], node)
        where = join_path(split_path(remote))
        pairs = await pair_trees(reader.open_folder, local, folder, where, sides)
    out = []
    for pair in pairs:
        try:
            out.append(await _compare(reader, pair, download))
        except OSError as exc:
            sides.failures.fail(str(pair.local), exc)
    return out


async def _compare(reader: TreeReader, pair: Pair, download: bool) -> Checked:
    if pair.remote is None:
        return Checked(pair.relative, Verdict.ONLY_LOCAL)
    if pair.local is None or pair.parent is None:
        return Checked(pair.relative, Verdict.ONLY_REMOTE)
    metadata = as_file_metadata(pair.remote.metadata)
    if pair.local.stat().st_size != metadata.size:
        return Checked(pair.relative, Verdict.DIFFERING, How.SIZE)
    key = pair.remote.record.open_file_key(pair.parent.key)
    local_hash = await asyncio.to_thread(comparison.hash_local, pair.local, key)
    if not download and metadata.plaintext_hash is not None:
        remote_hash, how = metadata.plaintext_hash, How.HASH
    else:
        hasher = PlaintextHasher(key)
        async for piece in stream_content(reader, key, metadata):
            hasher.update(piece)
        remote_hash, how = hasher.digest(), How.DOWNLOAD
    same = local_hash == remote_hash
    return Checked(pair.relative, Verdict.IDENTICAL if same else Verdict.DIFFERING, how)
