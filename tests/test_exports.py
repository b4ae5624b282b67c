# SPDX-License-Identifier: AGPL-3.0-or-later
"""The stated public API of each package, in the style of httpx's tests/test_exports.py: every name
in ``__all__`` exists, and the set is exactly the one agreed on, so a name cannot be dropped or
added to the public surface by accident."""

from __future__ import annotations

from types import ModuleType
from typing import get_args

import pytest

import sealbox.client.sdk
import sealbox.crypto
import sealbox.protocol
from sealbox.protocol import models
from sealbox.rights import Rights

EXPECTED = {
    sealbox.crypto: {
        "ContentDecryptor", "ContentEncryptor", "ContentHeader", "DropKeys", "DroppedFile",
        "ErrorCode", "FileKey", "FileMetadata", "FolderKey", "FolderMetadata", "IdentityBundle",
        "IdentityKeys", "IdentityPublicKeys", "IntegrityError", "KdfParams", "LinkKey",
        "LinkSecret", "Manifest", "ManifestEntry", "MasterKey", "Metadata", "NodeRecord",
        "NodeType", "Pin", "RandomSource", "RecoveryKey", "Roster", "RosterMember", "SecretKey",
        "Seen", "ShareGrant", "as_file_metadata", "system_random",
    },
    sealbox.protocol: {
        "READ", "STATUS_OF", "WRITE", "BatchItem", "BinaryListing", "ErrorCode", "ListedChild",
        "Rights", "limits", "models", "parse_batch", "parse_listing", "routes",
    },
    sealbox.client.sdk: {
        "Api", "ApiError", "Change", "Clock", "ConflictError", "Drive", "Folder", "LocalState",
        "Node", "NotFoundError", "NotLoggedIn", "Reporter", "SealboxError", "ServerTimeout",
        "Session", "WithheldError", "WrongLink", "account", "contacts", "drops", "files", "links",
        "login", "resume", "shares", "signup", "stream_file", "system_clock",
    },
}  # fmt: skip


@pytest.mark.parametrize("package", list(EXPECTED), ids=lambda p: p.__name__)
def test_all_is_the_stated_public_api(package: ModuleType) -> None:
    names = package.__all__
    assert len(names) == len(set(names)), "a name is listed twice"
    assert set(names) == EXPECTED[package]
    for name in names:
        assert getattr(package, name, None) is not None, f"{package.__name__}.{name} is missing"


def test_the_wire_models_take_exactly_the_share_rights() -> None:
    for model in (models.ShareCreateRequest, models.ShareMember, models.ShareView):
        assert set(get_args(model.model_fields["rights"].annotation)) == set(Rights)
