# SPDX-License-Identifier: AGPL-3.0-or-later
"""Whether a local file and a remote file are the same, so a transfer can leave it alone.

By default two files are the same when their sizes and modification times match: the time to
the millisecond, as metadata keeps it (``put`` records the local time, ``get`` sets it). With
``checksum`` the contents are compared instead, through the keyed plaintext hash in the remote
file's metadata (spec/object-format.md, "Plaintext hash"): the local file is hashed under the
remote file's key, so nothing is downloaded. A remote file without a hash (uploaded by a client
that does not write one) never counts as the same under ``checksum``: it is transferred.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from stat import S_ISREG

from sealbox.client.sdk.transfer_options import TransferOptions
from sealbox.crypto.content import PlaintextHasher
from sealbox.crypto.keys import FileKey
from sealbox.crypto.tree import FileMetadata

READ_BLOCK = 1024 * 1024


def mtime_ms(found: os.stat_result) -> int:
    return found.st_mtime_ns // 1_000_000


def same_size_and_time(found: os.stat_result, metadata: FileMetadata) -> bool:
    return found.st_size == metadata.size and mtime_ms(found) == metadata.mtime


def hash_local(path: Path, file_key: FileKey) -> bytes:
    """The keyed plaintext hash of a local file under ``file_key`` (reads it once, in blocks)."""
    hasher = PlaintextHasher(file_key)
    with path.open("rb", buffering=0) as handle:
        while block := handle.read(READ_BLOCK):
            hasher.update(block)
    return hasher.digest()


def same_content(path: Path, size: int, metadata: FileMetadata, file_key: FileKey) -> bool:
    """Whether the local file holds what the remote file's plaintext hash names; False when the
    remote file has no hash. The sizes are compared first, so a different size reads nothing."""
    if metadata.plaintext_hash is None or size != metadata.size:
        return False
    return hash_local(path, file_key) == metadata.plaintext_hash


def unchanged(
    path: Path, found: os.stat_result, metadata: FileMetadata, file_key: FileKey, checksum: bool
) -> bool:
    """Whether a transfer between ``path`` (``found`` is its stat) and the remote file may
    leave both as they are."""
    if checksum:
        return same_content(path, found.st_size, metadata, file_key)
    return same_size_and_time(found, metadata)


class Outcome(StrEnum):
    """What ``get`` does about a local file already at a destination."""

    WRITE = "write"  # nothing there, or different: written (after a backup, if asked)
    UNCHANGED = "unchanged"  # the same as the remote file: left alone
    KEPT = "kept"  # different, and --no-clobber: left alone
    BACKUP = "backup"  # different, and --backup: renamed aside, then written


def decide(
    dest: Path, metadata: FileMetadata, file_key: FileKey, options: TransferOptions
) -> Outcome:
    """What ``get`` does about what is at ``dest`` before a download would replace it. Only a
    regular file is compared; anything else is replaced as before (a folder in the way is
    refused when the download is placed)."""
    try:
        found = os.lstat(dest)
    except OSError:
        # Nothing there, or a path this disk cannot hold (a name too long): the download says
        # why, as a failure of that one item, if it cannot be written.
        return Outcome.WRITE
    if not S_ISREG(found.st_mode):
        return Outcome.WRITE
    if options.skip_unchanged and unchanged(dest, found, metadata, file_key, options.checksum):
        return Outcome.UNCHANGED
    if options.no_clobber:
        return Outcome.KEPT
    return Outcome.WRITE if options.backup is None else Outcome.BACKUP


def before_writing(
    dest: Path, metadata: FileMetadata, file_key: FileKey, options: TransferOptions
) -> Outcome:
    """``decide``, and make the backup when one is asked for (``--backup``: the local file is
    renamed to its name plus the suffix, replacing an older backup)."""
    outcome = decide(dest, metadata, file_key, options)
    if outcome is Outcome.BACKUP:
        assert options.backup is not None
        os.replace(dest, dest.with_name(dest.name + options.backup))
    return outcome
