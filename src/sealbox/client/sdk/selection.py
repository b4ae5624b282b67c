# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which files a transfer takes: ``--exclude``, ``--include`` and ``--exclude-from``, as
gitignore patterns (``pathspec``).

Patterns are matched against each item's path relative to the top of what is transferred (a
folder named on the command line, or the file itself), with ``/`` between names and a trailing
``/`` on folders, as in a ``.gitignore`` at that top: ``*.log`` anywhere, ``/build/`` only at the
top, ``cache/`` any folder of that name with everything below it.

- An excluded folder is not entered, and nothing below it is taken.
- With any ``--include``, a file is taken only if it matches one; folders are entered anyway,
  so that ``--include '*.pdf'`` finds PDF files at any depth.
- A file matching both an include and an exclude is excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sealbox.client.sdk.errors import SealboxError

if TYPE_CHECKING:  # imported when patterns are given: most transfers have none
    import pathspec


def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec | None:
    lines = [p for p in patterns if p.strip() and not p.lstrip().startswith("#")]
    if not lines:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


@dataclass(frozen=True)
class Selection:
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    _excluded: pathspec.GitIgnoreSpec | None = field(init=False, repr=False, compare=False)
    _included: pathspec.GitIgnoreSpec | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_excluded", _spec(self.exclude))
        object.__setattr__(self, "_included", _spec(self.include))

    @property
    def everything(self) -> bool:
        return self._excluded is None and self._included is None

    def takes_file(self, relative: str) -> bool:
        """Whether the file at ``relative`` (``a/b.txt``) is transferred."""
        if self._excluded is not None and self._excluded.match_file(relative):
            return False
        return self._included is None or self._included.match_file(relative)

    def enters_folder(self, relative: str) -> bool:
        """Whether the folder at ``relative`` (``a/b``, no trailing slash) is entered. The top
        (``""``) always is."""
        if not relative or self._excluded is None:
            return True
        return not self._excluded.match_file(relative.rstrip("/") + "/")

    def enters_path(self, relative: str) -> bool:
        """Whether every folder on the way to ``relative`` (``a/b/c``, a folder) is entered."""
        parts = [p for p in relative.split("/") if p]
        return all(self.enters_folder("/".join(parts[: i + 1])) for i in range(len(parts)))


def read_patterns(path: Path) -> tuple[str, ...]:
    """The patterns of an ``--exclude-from`` file: one a line, blank lines and ``#`` comments
    ignored, as in a ``.gitignore``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SealboxError(f"cannot read the pattern file {path}: {exc}") from None
    return tuple(line.rstrip("\n") for line in text.splitlines())
