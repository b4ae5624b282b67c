# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sealed device names (spec/keys.md, "Device names")."""

from __future__ import annotations

import os

import pytest

from sealbox.crypto.devices import (
    DEVICE_NAME_BYTES,
    check_device_name,
    open_device_name,
    seal_device_name,
)
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import MasterKey, derive
from sealbox.crypto.layout import ObjectType
from sealbox.crypto.sealed import seal

from .conftest import new_id


def test_a_device_name_opens_for_its_account_and_session_only() -> None:
    key, user, session = MasterKey.generate(), new_id(), new_id()
    sealed = seal_device_name(key, user, session, "Émile's laptop ☃")
    assert open_device_name(key, sealed, user, session) == "Émile's laptop ☃"
    short, long = (
        seal_device_name(key, user, session, "a"),
        seal_device_name(key, user, session, "a" * 128),
    )
    assert len(short) == len(long) == len(sealed)  # the length of the name does not show
    for args in ((key, sealed, user, new_id()), (key, sealed, new_id(), session)):
        with pytest.raises(IntegrityError) as excinfo:
            open_device_name(*args)
        assert excinfo.value.code == ErrorCode.DECRYPT_FAILED
    with pytest.raises(IntegrityError):
        open_device_name(MasterKey.generate(), sealed, user, session)


@pytest.mark.parametrize("name", ["", "x" * (DEVICE_NAME_BYTES + 1), "a\x00b"])
def test_names_that_cannot_be_sealed_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        check_device_name(name)


@pytest.mark.parametrize(
    "plaintext", [b"\xff\xfe", b"", b"a\x00b"], ids=["not utf-8", "empty", "nul inside"]
)
def test_a_sealed_plaintext_that_is_no_name_is_malformed(plaintext: bytes) -> None:
    key, user, session = MasterKey.generate(), new_id(), new_id()
    padded = plaintext.ljust(DEVICE_NAME_BYTES, b"\x00")
    sealed = seal(
        derive(key, 1, b"sbdevnam"), ObjectType.DEVICE_NAME, padded, user + session, os.urandom
    )
    with pytest.raises(IntegrityError) as excinfo:
        open_device_name(key, sealed, user, session)
    assert excinfo.value.code == ErrorCode.MALFORMED
