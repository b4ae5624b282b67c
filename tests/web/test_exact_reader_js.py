# SPDX-License-Identifier: AGPL-3.0-or-later
"""The page's download reader (web/src/pages/download.js, ExactReader) under Node, on a byte
stream read with a BYOB reader and on a default stream copied into its buffer: every read of a
content object's shape, from pieces of one byte to a MiB and from bodies that end early, answers
exactly the bytes it should. Chromium's fetch takes the first path (the browser tests cover it
end to end); the second is what a browser whose bodies are not byte streams would take.
"""

from __future__ import annotations

from .conftest import node_report


def test_the_download_reader_answers_exact_bytes_on_both_kinds_of_stream(node: str) -> None:
    report = node_report(node, "exact-reader.mjs")
    assert report["byob"] > 0 and report["copied"] > 0
