# SPDX-License-Identifier: AGPL-3.0-or-later
"""How ``put`` and ``get`` treat what is already there, and what they take (the options of the
reference CLI's transfers, for any front end)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sealbox.client.sdk.bandwidth import Bandwidth
from sealbox.client.sdk.selection import Selection


@dataclass(frozen=True)
class TransferOptions:
    # Leave alone a file that is the same on both sides (the CLI's default; off for callers
    # that save a file they know changed, such as the mount).
    skip_unchanged: bool = False
    # Compare contents (keyed plaintext hash) instead of size and time (comparison.py).
    checksum: bool = False
    selection: Selection = field(default_factory=Selection)
    # get: leave an existing local file that differs as it is (reported as skipped).
    no_clobber: bool = False
    # get: rename an existing local file that differs to its name plus this suffix first.
    backup: str | None = None
    bandwidth: Bandwidth | None = None
    # put: seal a thumbnail of each picture into its metadata (thumbnails.py); the CLI's default.
    thumbnails: bool = False
