# SPDX-License-Identifier: AGPL-3.0-or-later
"""Share rosters: round trip, the writer set, and what the maker refuses (the vectors in
spec/vectors/sharing.json cover the parser's refusals)."""

from __future__ import annotations

import pytest

from sealbox.crypto import roster
from sealbox.crypto.identity import IdentityKeys, Pin

from .conftest import new_id


def test_round_trip_and_writers() -> None:
    owner = IdentityKeys.generate()
    owner_id, folder, bob, carol = new_id(), new_id(), new_id(), new_id()
    members = (
        roster.RosterMember(bob, IdentityKeys.generate().public.sign_public, roster.READ),
        roster.RosterMember(carol, IdentityKeys.generate().public.sign_public, roster.WRITE),
    )
    data = roster.make_roster(owner, roster.Roster(folder, 7, 4, owner_id, members))
    opened = roster.open_roster(data, Pin(owner_id, owner.public.sign_public, 1), folder)
    assert (opened.version, opened.key_epoch, opened.owner_id) == (7, 4, owner_id)
    assert opened.folder_id == folder
    assert set(opened.members) == set(members)
    assert opened.writers() == {carol: members[1].sign_public}
    assert opened.member(bob) == members[0] and opened.member(new_id()) is None
    assert roster.roster_digest(data) != roster.roster_digest(data[:-1])
    assert len(roster.roster_digest(data)) == 32


def test_the_maker_refuses_bad_rosters() -> None:
    owner = IdentityKeys.generate()
    owner_id, folder, bob = new_id(), new_id(), new_id()
    key = IdentityKeys.generate().public.sign_public
    bad = [
        roster.Roster(folder, 1, 1, owner_id, (roster.RosterMember(bob, key, 1),) * 2),
        roster.Roster(folder, 2**64, 1, owner_id, ()),
        roster.Roster(folder, 2, 3, owner_id, ()),
        roster.Roster(folder, 2, 0, owner_id, ()),
        roster.Roster(folder, 1, 1, owner_id, (roster.RosterMember(bob, key, 3),)),
        roster.Roster(folder, 1, 1, owner_id, (roster.RosterMember(bob, key[:31], 1),)),
        roster.Roster(folder, 1, 1, owner_id, (roster.RosterMember(owner_id, key, 2),)),
    ]
    for case in bad:
        with pytest.raises(ValueError):
            roster.make_roster(owner, case)
