# SPDX-License-Identifier: AGPL-3.0-or-later
"""The web client's crypto passes spec/vectors under Node, from the same files as Python.

web/test/vectors.mjs runs every vector of an operation the client implements: its outputs,
expected errors, the objects it makes, and every single-bit mutation. An operation it does not
know is reported as pending, and this test fails on it unless PENDING names it.
"""

from __future__ import annotations

import json
import subprocess

from .conftest import ROOT, WEB, node_report

# Operations of spec/vectors that the JavaScript side does not run yet: none. A new operation in
# the vectors fails this test until web/test/vector-ops.mjs runs it (or it is named here).
PENDING: set[str] = set()


def test_every_vector_passes_in_javascript(node: str) -> None:
    report = node_report(node, "vectors.mjs", str(ROOT / "spec" / "vectors"), timeout=600)
    assert report["files"] == len(list((ROOT / "spec" / "vectors").glob("*.json")))
    assert set(report["pending"]) == PENDING
    checked = report["vectors"] - sum(report["pending"].values())
    assert report["passed"] == checked > 100
    assert report["mutations"] > 40_000  # every byte of every positive object, flipped


def test_only_the_wrapper_reaches_the_primitives(node: str) -> None:
    """libsodium.js answers a forged signature with false: no module but the one wrapper that
    throws may call it (spec/web-client.md, "Keys in the page"; A23)."""
    result = subprocess.run(
        [node, str(WEB / "test" / "wrapper.mjs")], capture_output=True, text=True, check=False
    )
    assert json.loads(result.stdout) == [] and result.returncode == 0
    # The check itself sees a call placed outside the wrapper.
    probe = WEB / "src" / "pages" / "zz_probe.js"
    probe.write_text("export const f = (s) => s.crypto_sign_verify_detached(1, 2, 3);\n")
    try:
        result = subprocess.run(
            [node, str(WEB / "test" / "wrapper.mjs")], capture_output=True, text=True, check=False
        )
    finally:
        probe.unlink()
    assert json.loads(result.stdout) == ["pages/zz_probe.js"] and result.returncode == 1
