# SPDX-License-Identifier: AGPL-3.0-or-later
"""The drive for programs that only know files: a blocking handle over the SDK that the WebDAV
server (client/webdav) and the fsspec filesystem (client/fsspec) share (docs/access.md).

Decryption happens in this process; a listing or chunk that does not verify is an ``OSError``
with ``EIO`` (``Tampered``), never wrong bytes; an item the operator removed after a published
decision is a ``PermissionError`` (``Removed``, EACCES) that says so in plain words.
"""

from sealbox.client.access.errors import Removed, Tampered
from sealbox.client.access.handle import DriveHandle, Entry, Opener
from sealbox.client.access.session import stored_login

__all__ = ["DriveHandle", "Entry", "Opener", "Removed", "Tampered", "stored_login"]
