# SPDX-License-Identifier: AGPL-3.0-or-later
"""The case state machine (spec/compliance.md §4.1). Every transition takes the time from the
injected clock and an illegal one raises ``InvalidTransition``."""

from dataclasses import dataclass, replace
from enum import StrEnum

from sealbox.compliance.clock import Clock
from sealbox.compliance.errors import InvalidTransition


class CaseState(StrEnum):
    INCOMPLETE = "incomplete"
    RECEIVED = "received"
    ACTIONED = "actioned"
    REJECTED = "rejected"
    COUNTERED = "countered"
    UPHELD = "upheld"
    RESTORED = "restored"
    OVERTURNED = "overturned"


class Event(StrEnum):
    COMPLETE = "complete"
    ACT = "act"
    REJECT = "reject"
    COUNTER = "counter"
    COURT_ACTION = "court_action"
    RESTORE = "restore"
    UPHOLD = "uphold"
    OVERTURN = "overturn"


S, E = CaseState, Event
TRANSITIONS: dict[tuple[CaseState, Event], CaseState] = {
    (S.INCOMPLETE, E.COMPLETE): S.RECEIVED,
    (S.INCOMPLETE, E.REJECT): S.REJECTED,
    (S.RECEIVED, E.ACT): S.ACTIONED,
    (S.RECEIVED, E.REJECT): S.REJECTED,
    (S.ACTIONED, E.COUNTER): S.COUNTERED,
    (S.ACTIONED, E.UPHOLD): S.UPHELD,
    (S.COUNTERED, E.COURT_ACTION): S.UPHELD,
    (S.COUNTERED, E.RESTORE): S.RESTORED,
    (S.ACTIONED, E.OVERTURN): S.OVERTURNED,
    (S.COUNTERED, E.OVERTURN): S.OVERTURNED,
    (S.UPHELD, E.OVERTURN): S.OVERTURNED,
    (S.REJECTED, E.OVERTURN): S.RECEIVED,
}

# States in which the takedown is in force (its links disabled, its content refused).
IN_FORCE = frozenset({S.ACTIONED, S.COUNTERED, S.UPHELD})
# States in which a copyright case counts as a strike against the account.
STRIKING = frozenset({S.ACTIONED, S.COUNTERED, S.UPHELD})


@dataclass(frozen=True, slots=True)
class CaseStatus:
    state: CaseState
    changed_at: float


def advance(status: CaseStatus, event: Event, clock: Clock) -> CaseStatus:
    """The status after ``event``; raises if the state does not allow it."""
    target = TRANSITIONS.get((status.state, event))
    if target is None:
        raise InvalidTransition(status.state.value, event.value)
    return replace(status, state=target, changed_at=clock.now())
