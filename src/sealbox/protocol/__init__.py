# SPDX-License-Identifier: AGPL-3.0-or-later
"""The wire contract shared by server and clients: routes, models and error codes.

spec/http-api.md is the normative description. The public surface: the modules ``routes``,
``models`` and ``limits``, the error codes, the share rights, and the two binary framings (the
SBL1 folder listing and the SBC1 content batch).
"""

from sealbox.protocol import limits, models, routes
from sealbox.protocol.content_batch import BatchItem, parse_batch
from sealbox.protocol.errors import STATUS_OF, ErrorCode
from sealbox.protocol.listing import BinaryListing, ListedChild, parse_listing
from sealbox.rights import READ, WRITE, Rights

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
