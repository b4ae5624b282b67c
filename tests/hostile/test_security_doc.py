# SPDX-License-Identifier: AGPL-3.0-or-later
"""docs/security.md and the catalogue tests stay in step."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Rows with no test yet. Every row has one; a new row must come with its test.
PENDING: set[str] = set()


def test_every_row_has_tests_or_is_knowingly_pending() -> None:
    doc = (ROOT / "docs" / "security.md").read_text()
    tests = set(
        re.findall(
            r"def (test_A\d+_\w+)",
            "\n".join(p.read_text() for p in (ROOT / "tests/hostile").glob("test_*.py")),
        )
    )
    rows = re.findall(r"^\| (A\d+) \|.*\| (.*) \|$", doc, re.MULTILINE)
    assert [r for r, _ in rows] == [f"A{i}" for i in range(1, 38)]
    named: set[str] = set()
    pending = set()
    for row, cell in rows:
        names = [n for n in re.findall(r"`(test_\w+)`", cell) if n.startswith("test_A")]
        named.update(names)
        if not names:
            pending.add(row)
        for name in names:
            assert name.startswith(f"test_{row}_"), name
    assert named <= tests, f"named in the doc but missing: {named - tests}"
    assert tests <= named, f"tests missing from the doc: {tests - named}"
    assert pending == PENDING


def test_the_catalogue_lives_in_the_spec_with_one_paragraph_per_row() -> None:
    """spec/threat-model.md holds the catalogue itself, so every id used anywhere resolves inside
    the repository: one anchored paragraph per row of docs/security.md, in the same order."""
    model = (ROOT / "spec" / "threat-model.md").read_text()
    doc = (ROOT / "docs" / "security.md").read_text()
    paragraphs = re.findall(r'^<a id="a(\d+)"></a>\*\*A(\d+)\. ', model, re.MULTILINE)
    assert all(anchor == number for anchor, number in paragraphs)
    ids = [f"A{number}" for _, number in paragraphs]
    assert ids == re.findall(r"^\| (A\d+) \|", doc, re.MULTILINE)
    spec = "\n".join(p.read_text() for p in sorted((ROOT / "spec").glob("*.md")))
    assert set(re.findall(r"\bA\d+\b", spec)) <= set(ids)
    assert "/work/" not in spec and "shared/research" not in spec
