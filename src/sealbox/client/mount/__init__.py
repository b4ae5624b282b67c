# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox mount``: the drive as a local folder through FUSE (docs/access.md), decrypted in
this process; anything that does not verify is an input/output error (EIO), never wrong bytes.
"""

from sealbox.client.mount.filesystem import SealboxFS
from sealbox.client.mount.run import mount

__all__ = ["SealboxFS", "mount"]
