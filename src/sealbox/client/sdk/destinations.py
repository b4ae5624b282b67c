# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where ``put`` and ``get`` land, decided once per command and remembered on this device.

``put SOURCES... REMOTE`` and ``get SOURCES... LOCAL`` follow ``cp -r`` the first time: into
REMOTE (LOCAL) when it is an existing folder, else as that name. The first run of a folder
transfer creates the target, so a rerun that decided again would see a folder and nest a second
copy inside it (``/docs/tree`` after ``/docs``). So the resolved destination of each source is
journaled before anything is created, and every later run of the same command (same sources,
same target) lands there, whatever exists now: an interrupted one continues, a finished one is
done again at the same level. The rule cannot flip between two runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from sealbox.client.sdk.errors import NotFoundError, SealboxError
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.tree import Folder, Node, join_path, missing, split_path


class Resolver(Protocol):
    async def folder_at(self, path: str) -> Folder: ...

    async def open_folder(self, parent: Folder, node: Node) -> Folder: ...

    async def ensure_folder(self, parent: Folder, name: str) -> Folder: ...


def journal_key(kind: str, where: str, sources: list[str], target: str) -> str:
    """The journal key of one command: ``kind`` (put, get), the account (and share) it runs in,
    its sources and target as given, made absolute where local."""
    return f"{kind}-to:{where}:{json.dumps([*sources, target])}"


def remembered(state: LocalState, key: str, count: int) -> list[str] | None:
    body = state.journal(key)
    if body is None or len(body.get("to", [])) != count:
        return None
    return [str(item) for item in body["to"]]


def remember(state: LocalState, key: str, destinations: list[str]) -> None:
    state.save_journal(key, {"to": destinations})


async def resolve_put(
    drive: Resolver,
    sources: list[Path],
    remote: str,
    *,
    make: bool = True,
    known: dict[str, Folder] | None = None,
) -> list[str]:
    """The remote path each source lands at: inside REMOTE when it is a folder (a trailing slash
    makes a missing last folder, unless ``make`` is False: a dry run), else at REMOTE itself
    (one source only). The folders verified on the way are left in ``known`` by path, so that
    the command does not list them again."""
    known = {} if known is None else known
    parts = split_path(remote)
    try:
        await _folder_at(drive, parts, known, remote)
    except NotFoundError:
        if remote.endswith("/") and parts:
            # `put FILE /newdir/`: the slash says a folder is meant; make it, put into it.
            parent = await _folder_at(drive, parts[:-1], known, join_path(parts[:-1]))
            if make:
                known[join_path(parts)] = await drive.ensure_folder(parent, parts[-1])
        elif len(sources) > 1 or not parts:
            raise
        else:
            await _folder_at(drive, parts[:-1], known, join_path(parts[:-1]))  # must exist
            return [join_path(parts)]
    except SealboxError:
        if len(sources) > 1:
            raise
        return [join_path(parts)]  # an existing file: replaced (a new version)
    return [join_path([*parts, source.name]) for source in sources]


async def _folder_at(
    drive: Resolver, parts: list[str], known: dict[str, Folder], shown: str | None = None
) -> Folder:
    """``drive.folder_at(shown)`` for the path ``parts``, refusing exactly as it does (a missing
    name, withheld or removed; a file on the way or at the end), but listing each folder once
    per command: a folder an earlier step verified comes from ``known``."""
    path = join_path(parts)
    if path in known:
        return known[path]
    if not parts:
        folder = await drive.folder_at(path)
    else:
        parent = await _folder_at(drive, parts[:-1], known, None)
        node = parent.resolve(parts[-1])
        if node is None:
            missing(parent, f"no such file or folder: {path}")
        if not node.is_folder:
            if shown is None:  # a file on the way: the walk's refusal
                raise NotFoundError(f"not a folder: {path}")
            raise SealboxError(f"not a folder: {shown}")
        folder = await drive.open_folder(parent, node)
    known[path] = folder
    return folder


def resolve_get(found: list[Node | None], local: Path, top_name: str) -> list[str]:
    """The local path each remote source lands at: inside LOCAL when it is a folder, else
    LOCAL itself (one source only). The top of a drive (or share) is called ``top_name``."""
    into = local.is_dir()
    if len(found) > 1 and not into:
        raise SealboxError(f"{local} is not a folder")
    out = []
    for node in found:
        name = top_name if node is None else node.name
        out.append(str(local / name if into else local))
    return out
