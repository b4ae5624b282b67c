# SPDX-License-Identifier: AGPL-3.0-or-later
"""The drive as the fsspec filesystem ``sealbox://`` (registered through the ``fsspec.specs``
entry point; docs/access.md)."""

from sealbox.client.access import Removed, Tampered
from sealbox.client.fsspec.filesystem import SealboxFileSystem

__all__ = ["Removed", "SealboxFileSystem", "Tampered"]
