# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared fixtures for the crypto tests: a cheap but floor-respecting KDF and a test identity."""

from __future__ import annotations

import os

import pytest

from sealbox.crypto.identity import IdentityKeys
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT, KdfParams


@pytest.fixture(scope="session")
def floor_params() -> KdfParams:
    return KdfParams(FLOOR_OPSLIMIT, FLOOR_MEMLIMIT, os.urandom(16))


@pytest.fixture(scope="session")
def alice() -> IdentityKeys:
    return IdentityKeys.generate()


def new_id() -> bytes:
    return os.urandom(16)
