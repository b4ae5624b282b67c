# SPDX-License-Identifier: AGPL-3.0-or-later
"""Items the operator removed after a decision (spec/compliance.md §3.4), told apart from items
a server withholds.

A scope-3 takedown removes nodes from the accounts that hold them; the folders' signed manifests
still list them, so without more a client would report them as withheld: a false alarm of
tampering. The listing therefore names each removed node with the public id (puid) of the
decision that removed it. That is the server's claim, and a hostile server could make it about
any file, so the client believes it only when

- the node is one the manifest lists and the server did not deliver (a claim about anything else
  changes nothing);
- the decision's statement of reasons is published under that puid (``GET /v1/decisions/{puid}``)
  and says that content was removed (``DECISION_VISIBILITY_CONTENT_REMOVED``);
- in the account's own drive, the decision is among the account's notices (`sealbox notices`).

A believed claim is shown every time, naming the decision, so that it stays visible and
attributable: a server that hides a file this way has to publish a decision saying so. A claim
that fails any check leaves the item withheld, which is reported as tampering.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sealbox.client.sdk.api import Api
from sealbox.client.sdk.errors import ApiError
from sealbox.protocol.listing import RemovedChild

if TYPE_CHECKING:
    from sealbox.client.sdk.tree import Folder
    from sealbox.protocol import compliance as w

REMOVED_VISIBILITY = "DECISION_VISIBILITY_CONTENT_REMOVED"
PUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

# Reason codes as people read them (the server's own words are not trusted for this).
REASON_WORDS = {
    "copyright": "a copyright notice",
    "csam": "an abuse report",
    "violent_extremism": "an abuse report",
    "other_illegal": "an abuse report",
}


@dataclass(frozen=True, slots=True)
class Removal:
    """An item of a folder that a published decision removed."""

    node_id: bytes
    decision: str  # the decision's public id
    reason: str  # the reason code

    @property
    def because(self) -> str:
        return REASON_WORDS.get(self.reason, "a decision")


@dataclass(frozen=True, slots=True)
class FalseClaim:
    """A removal the server claimed and could not back."""

    node_id: bytes
    decision: str
    why: str


@dataclass
class Noticed:
    """What one command met: removed items and refused claims, by folder path, for the CLI to
    tell the person once the command is done."""

    removed: list[tuple[str, Removal]] = field(default_factory=list)
    false_claims: list[tuple[str, FalseClaim]] = field(default_factory=list)


OwnDecisions = Callable[[], Awaitable[set[str]]]


class RemovalCheck:
    """Checks a listing's removal claims; ``own`` gives the puids of the account's own notices
    where the folder is in the account's own drive (None elsewhere: a share, a link)."""

    def __init__(self, api: Api, own: OwnDecisions | None, noticed: Noticed) -> None:
        self._api = api
        self._own = own
        self._own_puids: set[str] | None = None
        self._statements: dict[str, w.PublicDecision | None] = {}
        self.noticed = noticed

    async def confirm(self, folder: Folder, claims: tuple[RemovedChild, ...]) -> None:
        """Move each withheld item of ``folder`` whose removal checks out from ``withheld`` to
        ``removed``; note each claim that does not."""
        withheld = set(folder.withheld)
        removed: list[Removal] = []
        for claim in claims:
            if claim.node_id not in withheld or claim.node_id in {r.node_id for r in removed}:
                continue
            why = await self._refusal(claim)
            if why is not None:
                fake = FalseClaim(claim.node_id, claim.decision, why)
                self.noticed.false_claims.append((folder.path, fake))
                continue
            removal = Removal(claim.node_id, claim.decision, claim.reason)
            removed.append(removal)
            self.noticed.removed.append((folder.path, removal))
        if removed:
            gone = {r.node_id for r in removed}
            folder.withheld = tuple(n for n in folder.withheld if n not in gone)
            folder.removed = (*folder.removed, *removed)

    async def _refusal(self, claim: RemovedChild) -> str | None:
        """Why the claim is not believed, or None."""
        statement = await self._statement(claim.decision)
        if statement is None:
            return "no decision is published under that id"
        if statement.decision.get("puid") != claim.decision:
            return "the published decision has another id"
        if statement.decision.get("decision_visibility") != REMOVED_VISIBILITY:
            return "the published decision did not remove content"
        if self._own is not None:
            # Fetched again for a decision not seen yet: a long-running client (a mount) meets
            # decisions made after it first looked.
            if self._own_puids is None or claim.decision not in self._own_puids:
                self._own_puids = await self._own()
            if claim.decision not in self._own_puids:
                return "the decision is not among this account's notices"
        return None

    async def _statement(self, puid: str) -> w.PublicDecision | None:
        if not PUID.fullmatch(puid):
            return None  # not a decision id at all (and never put into a request path)
        if puid not in self._statements:
            try:
                found: w.PublicDecision | None = await self._api.decision(puid)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                found = None
            self._statements[puid] = found
        return self._statements[puid]


async def own_decisions(api: Api) -> set[str]:
    """The public ids of the decisions among the account's notices."""
    listed = await api.my_cases()
    return {str(c.decision["puid"]) for c in listed.cases if c.decision and "puid" in c.decision}
