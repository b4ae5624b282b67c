# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Sealbox SDK: accounts, the verified drive tree and resumable transfers.

All encryption and every verification happens here; the server is treated as hostile
(spec/threat-model.md). The HTTP transport is an injectable ``httpx.AsyncClient``; randomness
(``RandomSource``) and the clock (``Clock``) are injected too. docs/sdk.md shows it in use.

The names below are the public surface. The modules ``account``, ``files``, ``links``, ``shares``,
``contacts`` and ``drops`` hold the operations of each area, called as ``files.put(drive, ...)``.
"""

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
