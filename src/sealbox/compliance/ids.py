# SPDX-License-Identifier: AGPL-3.0-or-later
"""Random ids of compliance records. A decision's public id is a fresh UUID, never an account,
node, link or content id (spec/compliance.md §2)."""

import os
import uuid
from collections.abc import Callable

Randomness = Callable[[int], bytes]


def new_id(random: Randomness = os.urandom) -> bytes:
    """A 16-byte record id."""
    return random(16)


def new_puid(random: Randomness = os.urandom) -> str:
    """The public id of a decision: a random (version 4) UUID."""
    return str(uuid.UUID(bytes=random(16), version=4))
