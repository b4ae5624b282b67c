# SPDX-License-Identifier: AGPL-3.0-or-later
"""The page's download reader (web/src/pages/download.js, ExactReader) under Node, on a byte
stream read with a BYOB reader and on a default stream copied into its buffer: every read of a
content object's shape, from pieces of one byte to a MiB and from bodies that end early, answers
exactly the bytes it should. Chromium's fetch takes the first path (the browser tests cover it
end to end); the second is what a browser whose bodies are not byte streams would take.
"""

from __future__ import annotations

import json
import subprocess

from .conftest import WEB


def test_the_download_reader_answers_exact_bytes_on_both_kinds_of_stream(node: str) -> None:
    result = subprocess.run(
        [node, str(WEB / "test" / "exact-reader.mjs")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout)
    assert report["failures"] == [], report["failures"][:5]
    assert result.returncode == 0, result.stderr
    assert report["byob"] > 0 and report["copied"] > 0
