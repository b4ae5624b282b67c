# SPDX-License-Identifier: AGPL-3.0-or-later
"""The report's three files: ``report.json`` (what ``sealbox transparency verify --report``
reads), ``report.md`` and ``report.html``, written side by side into a new directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sealbox.compliance.report.as_html import render_html
from sealbox.compliance.report.as_markdown import render_markdown
from sealbox.compliance.report.document import ReportError, dumps

NAMES = ("report.json", "report.md", "report.html")


def write_report(document: Mapping[str, Any], out: Path) -> list[Path]:
    """Write the three files into ``out`` (created if missing); an existing file is never
    overwritten, so a published report cannot be replaced by accident."""
    paths = [out / name for name in NAMES]
    taken = [str(p) for p in paths if p.exists()]
    if taken:
        raise ReportError(f"{taken[0]} exists already: name a new directory with --out")
    out.mkdir(parents=True, exist_ok=True)
    contents = (
        dumps(document),
        render_markdown(document).encode(),
        render_html(document).encode(),
    )
    for path, content in zip(paths, contents, strict=True):
        with path.open("xb") as f:
            f.write(content)
    return paths
