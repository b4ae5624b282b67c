# SPDX-License-Identifier: AGPL-3.0-or-later
"""The page's upload of one file (web/src/drive/upload.js, sendContent) under Node, against a
file and a server that fail on purpose (web/test/send-content.mjs): a file the browser can no
longer read, or shorter than it said, ends with the page's own message that it changed; a chunk
the server refuses ends the upload with the server's error once the other chunk on the wire has
ended, and no promise is left to reject unseen; no more than two chunks are ever on the wire.
The browser test of a refused chunk (test_drive_page.py) covers the same path end to end.
"""

from __future__ import annotations

from .conftest import node_report


def test_an_upload_ends_on_an_unreadable_file_or_a_refused_chunk_with_nothing_left_open(
    node: str,
) -> None:
    report = node_report(node, "send-content.mjs")
    assert set(report["cases"]) == {"whole", "unreadable", "moved", "short", "other", "refused"}
