# SPDX-License-Identifier: AGPL-3.0-or-later
"""What each compliance action enters in the transparency log (spec/transparency.md §Entries),
built from the case it concerns: counts, categories, outcomes and the decision's public id,
never an account, link, node or content id, nor anything a notifier or user wrote.

Each function returns ``(kind, fields)`` for ``TransparencyLog.append_in``.
"""

from __future__ import annotations

from sealbox.compliance.decisions import CATEGORY_OF_KIND
from sealbox.compliance.notices import Scope
from sealbox.server.db.cases import CaseRow
from sealbox.server.services.enforcement import Applied
from sealbox.server.services.transparency_fields import minute

Entry = tuple[str, dict[str, object]]


def _source(kind: str, flagger: str | None) -> str:
    if kind != "copyright":
        return "abuse_report"
    # Notices arrive through one route whether typed into the web form or sent by a program, so
    # the log tells trusted flaggers apart and counts the rest as "api".
    return "trusted_flagger" if flagger else "api"


def notice(kind: str, flagger: str | None) -> Entry:
    """A notice (``kind`` copyright) or an abuse report (the other kinds) was received."""
    return "notice", {"source": _source(kind, flagger), "category": CATEGORY_OF_KIND[kind]}


def upheld(row: CaseRow, scope: Scope, applied: Applied, *, automated: bool = False) -> Entry:
    """A decision that takes content down; ``row`` read after the decision was recorded. The
    scope entered is the one applied: a takedown of scope file or everywhere that reached no file
    (a folder link named with no file is disabled as a whole, spec/compliance.md §3) is entered
    as ``folder`` (spec/transparency.md, "Entries")."""
    done = scope.value if applied.plan.contents or scope is Scope.LINK else "folder"
    return "decision", {
        "puid": row.puid, "outcome": "upheld", "category": CATEGORY_OF_KIND[row.kind],
        "ground": "law", "scope": done, "links": len(applied.plan.links),
        "nodes": len(applied.plan.nodes), "automated": automated,
        "received": minute(row.received_at), "source": _source(row.kind, row.flagger),
    }  # fmt: skip


def rejected(row: CaseRow) -> Entry:
    return "decision", {
        "puid": row.puid, "outcome": "rejected", "category": CATEGORY_OF_KIND[row.kind],
        "ground": "law", "scope": None, "links": 0, "nodes": 0, "automated": False,
        "received": minute(row.received_at), "source": _source(row.kind, row.flagger),
    }  # fmt: skip


def counter_notice(row: CaseRow, state: str) -> Entry:
    """``state``: filed, restored or court_action."""
    return "counter_notice", {"puid": row.puid, "state": state}


def account_action(action: str, cause: str) -> Entry:
    """``action``: suspended, closed or reinstated; ``cause``: strikes, abuse, resharing or
    appeal."""
    return "account_action", {"action": action, "cause": cause}


def appeal(row: CaseRow, outcome: str, received_at: int | None) -> Entry:
    """``outcome``: granted or denied; ``received_at`` when the appeal came in (None for appeals
    filed before the log kept it)."""
    received = minute(received_at) if received_at is not None else None
    return "appeal", {"puid": row.puid, "outcome": outcome, "received": received}
