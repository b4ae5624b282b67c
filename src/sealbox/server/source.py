# SPDX-License-Identifier: AGPL-3.0-or-later
"""The corresponding source of the running server, offered to its users (AGPL-3.0 §13).

Python runs its source, so the archive is built from the very files this process imports: the
``sealbox`` package as installed (an operator's modifications included), with the licence, README
and build file next to it when this is a checkout. It is made once, deterministically (sorted names,
fixed times and owners), so every server of one release serves the same bytes.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from functools import cache
from pathlib import Path

import sealbox

PACKAGE = Path(sealbox.__file__).resolve().parent
# Beside the package in a checkout (src/sealbox -> the repository root); absent in a wheel install.
CHECKOUT_FILES = ("LICENSE", "README.md", "pyproject.toml")
SKIPPED_PARTS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})


def _members() -> list[tuple[str, Path]]:
    root = f"sealbox-{sealbox.__version__}"
    found = [
        (f"{root}/src/sealbox/{path.relative_to(PACKAGE).as_posix()}", path)
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and path.suffix not in SKIPPED_SUFFIXES
        and not SKIPPED_PARTS & set(path.relative_to(PACKAGE).parts)
    ]
    checkout = PACKAGE.parent.parent
    for name in CHECKOUT_FILES:
        if (checkout / name).is_file():
            found.append((f"{root}/{name}", checkout / name))
    return sorted(found)


@cache
def source_archive() -> bytes:
    """A gzipped tar of the code this process runs."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in _members():
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def archive_name() -> str:
    return f"sealbox-{sealbox.__version__}-source.tar.gz"
