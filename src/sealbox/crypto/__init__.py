# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pure cryptography over bytes.

It follows spec/keys.md, spec/object-format.md, spec/metadata.md and spec/sharing.md, does no I/O,
reads no clock and imports nothing else of Sealbox's but the leaf ``sealbox.rights``.

The names below are the public surface; the modules (``content``, ``tree``, ``manifest``, ...) hold
the formats' own functions and constants.
"""

from sealbox.crypto.content import ContentDecryptor, ContentEncryptor, ContentHeader
from sealbox.crypto.drops import DropKeys, DroppedFile
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityBundle, IdentityKeys, IdentityPublicKeys, Pin
from sealbox.crypto.keys import (
    FileKey,
    FolderKey,
    LinkKey,
    MasterKey,
    RandomSource,
    RecoveryKey,
    SecretKey,
    system_random,
)
from sealbox.crypto.links import LinkSecret
from sealbox.crypto.manifest import Manifest, ManifestEntry, Seen
from sealbox.crypto.password import KdfParams
from sealbox.crypto.roster import Roster, RosterMember
from sealbox.crypto.shares import ShareGrant
from sealbox.crypto.tree import (
    FileMetadata,
    FolderMetadata,
    Metadata,
    NodeRecord,
    NodeType,
    as_file_metadata,
)

__all__ = [
    "ContentDecryptor",
    "ContentEncryptor",
    "ContentHeader",
    "DropKeys",
    "DroppedFile",
    "ErrorCode",
    "FileKey",
    "FileMetadata",
    "FolderKey",
    "FolderMetadata",
    "IdentityBundle",
    "IdentityKeys",
    "IdentityPublicKeys",
    "IntegrityError",
    "KdfParams",
    "LinkKey",
    "LinkSecret",
    "Manifest",
    "ManifestEntry",
    "MasterKey",
    "Metadata",
    "NodeRecord",
    "NodeType",
    "Pin",
    "RandomSource",
    "RecoveryKey",
    "Roster",
    "RosterMember",
    "SecretKey",
    "Seen",
    "ShareGrant",
    "as_file_metadata",
    "system_random",
]
