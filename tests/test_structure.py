# SPDX-License-Identifier: AGPL-3.0-or-later
"""The house rules a reader can check by eye, checked by a test: every source file names its
licence, no module grows past 400 lines without saying why at its top, and no function is over
80 lines (the developers' guide, "Shape of the code")."""

from __future__ import annotations

import ast
import importlib
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = sorted((ROOT / "src").rglob("*.py"))


def test_every_source_file_names_its_licence() -> None:
    spdx = runpy.run_path(str(ROOT / "scripts" / "spdx"))
    missing = [str(p.relative_to(ROOT)) for p in spdx["source_files"]() if not spdx["has_line"](p)]
    assert not missing, f"run scripts/spdx: {missing}"


@pytest.mark.parametrize("path", SRC, ids=lambda p: str(p.relative_to(ROOT / "src")))
def test_a_long_module_says_why_at_its_top(path: Path) -> None:
    lines = path.read_text().splitlines()
    if len(lines) > 400:
        assert any(line.startswith("# Over 400 lines: ") for line in lines[:3]), (
            f"{path.name} has {len(lines)} lines: split it or say why in its first lines"
        )


def test_no_function_is_over_80_lines() -> None:
    long = []
    for path in SRC:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert not long, long


def test_the_architecture_page_names_only_files_that_exist() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = re.findall(r"`((?:src|spec|docs|server|client|crypto|protocol)/[\w./-]+)`", text)
    missing = []
    for name in named:
        candidates = [ROOT / name, ROOT / "src" / "sealbox" / name]
        if not any(c.exists() for c in candidates):
            missing.append(name)
    assert named and not missing, missing


def test_the_benchmarks_import_only_names_that_exist() -> None:
    """bench/ is not run by the suite; this keeps it from rotting when the code it drives moves
    (imports inside the scripts it writes for subprocesses included)."""
    broken = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        for module, names in re.findall(r"^\s*from (sealbox[\w.]*) import ([\w, ]+)$",
                                        path.read_text(), re.M):  # fmt: skip
            imported = importlib.import_module(module)
            for name in (n.strip() for n in names.split(",")):
                if not hasattr(imported, name):
                    try:
                        importlib.import_module(f"{module}.{name}")
                    except ImportError:
                        broken.append(f"{path.name}: from {module} import {name}")
    assert not broken, broken
