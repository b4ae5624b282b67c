# SPDX-License-Identifier: AGPL-3.0-or-later
"""Share rights: what a member of a share may do (spec/sharing.md, "Shares").

The values are one byte in share envelopes and signed rosters and an integer in the HTTP API's
share models, so crypto, protocol, server and client all take them from here; this module imports
nothing of ours, like durability.py. ``sealbox.protocol`` re-exports them.
"""

from enum import IntEnum

__all__ = ["READ", "WRITE", "Rights"]


class Rights(IntEnum):
    READ = 1  # list and read the folder's subtree
    WRITE = 2  # also change it, signing as one of its writers


READ, WRITE = Rights.READ, Rights.WRITE
