# SPDX-License-Identifier: AGPL-3.0-or-later
"""The drive as a WebDAV share (``sealbox serve webdav``; docs/access.md)."""

from sealbox.client.webdav.provider import DriveProvider
from sealbox.client.webdav.server import USER, DavServer, make_app, new_token

__all__ = ["USER", "DavServer", "DriveProvider", "make_app", "new_token"]
