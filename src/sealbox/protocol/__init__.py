# SPDX-License-Identifier: AGPL-3.0-or-later
"""The wire contract shared by server and clients: routes, models and error codes.

spec/http-api.md is the normative description. The public surface: the modules ``routes``,
``models`` and ``limits``, the error codes, the share rights, and the two binary framings (the
SBL1 folder listing and the SBC1 content batch).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sealbox.protocol import limits, models, routes
    from sealbox.protocol.content_batch import BatchItem, parse_batch
    from sealbox.protocol.errors import STATUS_OF, ErrorCode
    from sealbox.protocol.listing import BinaryListing, ListedChild, parse_listing
    from sealbox.rights import READ, WRITE, Rights

# Where each public name lives; imported on first use (PEP 562), so that a client reading
# ``routes`` or ``limits`` does not build every pydantic model in ``models``.
_HOME = {
    **dict.fromkeys(["limits", "models", "routes"], "sealbox.protocol"),
    **dict.fromkeys(["BatchItem", "parse_batch"], "sealbox.protocol.content_batch"),
    **dict.fromkeys(["STATUS_OF", "ErrorCode"], "sealbox.protocol.errors"),
    **dict.fromkeys(["BinaryListing", "ListedChild", "parse_listing"], "sealbox.protocol.listing"),
    **dict.fromkeys(["READ", "WRITE", "Rights"], "sealbox.rights"),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if home == __name__:
        return import_module(f"{__name__}.{name}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "READ",
    "STATUS_OF",
    "WRITE",
    "BatchItem",
    "BinaryListing",
    "ErrorCode",
    "ListedChild",
    "Rights",
    "limits",
    "models",
    "parse_batch",
    "parse_listing",
    "routes",
]
