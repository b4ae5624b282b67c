# SPDX-License-Identifier: AGPL-3.0-or-later
"""An upload journal resumes only an upload of the current content format, and saves the records of
chunks sealed together in one write, before any of them is sent."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.upload_journal import GroupedSaves, StartOver, UploadJournal
from sealbox.crypto import content
from sealbox.crypto.keys import FileKey
from sealbox.crypto.layout import b64url


def test_a_journal_of_the_xchacha_format_is_not_resumed(tmp_path: Path) -> None:
    """A journal written before the switch to AES-256-GCM holds a 15-byte nonce prefix: resuming
    it would fail on the prefix, so the upload starts over as if there were none."""
    state = LocalState(tmp_path)
    key = FileKey.generate()
    for name, prefix_bytes in (("old", 15), ("current", content.NONCE_PREFIX_BYTES)):
        state.save_journal(name, {
            "file_key": b64url(key.secret_bytes()),
            "content_id": b64url(os.urandom(16)),
            "nonce_prefix": b64url(os.urandom(prefix_bytes)),
            "sealed": [[0, 2]],
            "tags": {"1": b64url(os.urandom(16))},
        })  # fmt: skip
    assert UploadJournal.load(state, "old") is None
    current = UploadJournal.load(state, "current")
    assert current is not None and list(current.sealed) == [0, 1]
    encryptor = current.encryptor(os.urandom)
    assert encryptor.nonce_prefix == current.nonce_prefix
    state.close()


class _CountingState(LocalState):
    """The real local state, counting its journal writes."""

    writes = 0

    def save_journal(self, key: str, body: dict[str, Any]) -> None:
        self.writes += 1
        super().save_journal(key, body)


@pytest.mark.anyio
async def test_chunks_sealed_together_are_saved_in_one_write_before_any_is_sent(
    tmp_path: Path,
) -> None:
    state = _CountingState(tmp_path)
    journal = UploadJournal.begin(state, "up", os.urandom)
    journal.encryptor(os.urandom)  # the first write: the nonce prefix
    saves = GroupedSaves(journal)

    async def seal(index: int) -> None:
        await saves.sealing(index, bytes([index]) * 16)
        on_disk = UploadJournal.load(state, "up")  # what a rerun after a crash now would see
        assert on_disk is not None and index in on_disk.sealed and index in on_disk.tags

    await asyncio.gather(*(seal(index) for index in range(4)))
    assert state.writes == 2
    await seal(4)
    assert state.writes == 3
    await saves.sealing(4, bytes([4]) * 16)  # the same sealing again: nothing new to write
    assert state.writes == 3
    with pytest.raises(StartOver):
        await saves.sealing(4, bytes(16))  # the chunk's bytes changed under the same nonce
    state.close()


def test_the_local_state_commits_through_a_private_synced_write_ahead_log(tmp_path: Path) -> None:
    """Each journal save is durable when it returns (synchronous=FULL), through a write-ahead log
    that only the user can read, like the database it belongs to (it holds file keys)."""
    state = LocalState(tmp_path)
    state.save_journal("k", {"file_key": "secret"})
    assert state._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert state._db.execute("PRAGMA synchronous").fetchone() == (2,)
    for name in ("state.db", "state.db-wal", "state.db-shm"):
        assert (tmp_path / name).stat().st_mode & 0o077 == 0, name
    state.close()
