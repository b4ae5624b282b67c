# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Sealbox SDK: accounts, the verified drive tree and resumable transfers.

All encryption and every verification happens here; the server is treated as hostile
(spec/threat-model.md). The HTTP transport is an injectable ``httpx.AsyncClient``; randomness
(``RandomSource``) and the clock (``Clock``) are injected too. docs/sdk.md shows it in use.

The names below are the public surface. The modules ``account``, ``files``, ``links``, ``shares``,
``contacts`` and ``drops`` hold the operations of each area, called as ``files.put(drive, ...)``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sealbox.client.sdk import account, contacts, drops, files, links, shares
    from sealbox.client.sdk.account import Session, login, resume, signup
    from sealbox.client.sdk.api import Api
    from sealbox.client.sdk.changes import Change
    from sealbox.client.sdk.clock import Clock, system_clock
    from sealbox.client.sdk.drive import Drive
    from sealbox.client.sdk.errors import (
        ApiError,
        ConflictError,
        NotFoundError,
        NotLoggedIn,
        SealboxError,
        ServerTimeout,
        WithheldError,
        WrongLink,
    )
    from sealbox.client.sdk.files import Reporter, stream_file
    from sealbox.client.sdk.state import LocalState
    from sealbox.client.sdk.tree import Folder, Node

# Where each public name lives. A name is imported on first use (PEP 562), so that importing one
# SDK module, as every CLI command does, does not import all of them: the whole SDK, with
# pydantic's protocol models and httpx, costs a good part of a second at each start.
_HOME = {
    **dict.fromkeys(["account", "contacts", "drops", "files", "links", "shares"], ""),
    **dict.fromkeys(["Session", "login", "resume", "signup"], "account"),
    "Api": "api",
    "Change": "changes",
    **dict.fromkeys(["Clock", "system_clock"], "clock"),
    "Drive": "drive",
    **dict.fromkeys(
        [
            "ApiError",
            "ConflictError",
            "NotFoundError",
            "NotLoggedIn",
            "SealboxError",
            "ServerTimeout",
            "WithheldError",
            "WrongLink",
        ],
        "errors",
    ),
    **dict.fromkeys(["Reporter", "stream_file"], "files"),
    "LocalState": "state",
    **dict.fromkeys(["Folder", "Node"], "tree"),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not home:
        return import_module(f"{__name__}.{name}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Api",
    "ApiError",
    "Change",
    "Clock",
    "ConflictError",
    "Drive",
    "Folder",
    "LocalState",
    "Node",
    "NotFoundError",
    "NotLoggedIn",
    "Reporter",
    "SealboxError",
    "ServerTimeout",
    "Session",
    "WithheldError",
    "WrongLink",
    "account",
    "contacts",
    "drops",
    "files",
    "links",
    "login",
    "resume",
    "shares",
    "signup",
    "stream_file",
    "system_clock",
]
