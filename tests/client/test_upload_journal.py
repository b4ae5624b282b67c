# SPDX-License-Identifier: AGPL-3.0-or-later
"""An upload journal resumes only an upload of the current content format."""

from __future__ import annotations

import os
from pathlib import Path

from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.upload_journal import UploadJournal
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
