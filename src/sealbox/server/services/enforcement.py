# SPDX-License-Identifier: AGPL-3.0-or-later
"""Enforcing decisions: the checks every read and write path makes (a removed link answers with
its reason, a refused content id is refused everywhere, a suspended account only reads and
appeals), and applying or lifting a case's takedown (spec/compliance.md §3.2, §6)."""

from dataclasses import dataclass

from sealbox.compliance.notices import Scope
from sealbox.compliance.takedown import Plan, plan_for_link
from sealbox.protocol.errors import ErrorCode
from sealbox.server.db import cases, takedowns
from sealbox.server.db.engine import Connection
from sealbox.server.errors import ServiceError

REASON_TEXT = {
    "copyright": "a copyright notice",
    "csam": "an abuse report",
    "violent_extremism": "an abuse report",
    "other_illegal": "an abuse report",
    "abuse_review": "an abuse report under review",
    "account_suspended": "the suspension of its owner's account",
}


def _puid(conn: Connection, case_id: bytes) -> str:
    found = cases.find(conn, case_id)
    return (found.puid if found is not None else None) or ""


def refuse_removed_link(conn: Connection, link_id: bytes, owner_id: bytes | None) -> None:
    """Raise ``link_removed`` (with the reason code and the decision's public id) for a link a
    decision disabled, or whose owner's account is suspended or closed."""
    block = takedowns.link_block(conn, link_id)
    if block is not None:
        reason, puid = block.reason, _puid(conn, block.case_id)
    elif owner_id is not None and takedowns.restriction(conn, owner_id) is not None:
        reason, puid = "account_suspended", ""
    else:
        return
    raise ServiceError(
        ErrorCode.LINK_REMOVED,
        f"this link was removed after {REASON_TEXT.get(reason, 'a decision')}",
        details={"reason": reason, "decision": puid},
    )


def refuse_removed_content(conn: Connection, content_ids: list[bytes]) -> None:
    """Raise ``content_removed`` if any of the content ids was removed everywhere (scope 3)."""
    block = takedowns.content_block(conn, content_ids)
    if block is not None:
        raise ServiceError(
            ErrorCode.CONTENT_REMOVED,
            "this content was removed after "
            f"{REASON_TEXT.get(block.reason, 'a decision')} and cannot be stored again",
            details={"reason": block.reason, "decision": _puid(conn, block.case_id)},
        )


def refuse_restriction(status: str | None) -> None:
    """Raise ``account_suspended`` for an account restricted to ``status``."""
    if status is not None:
        raise ServiceError(
            ErrorCode.ACCOUNT_SUSPENDED,
            f"this account is {status}: it can sign in to see why (sealbox notices), export "
            "its files and appeal (sealbox notices appeal), nothing else",
        )


def plan(conn: Connection, case: cases.CaseRow, scope: Scope) -> Plan:
    """The takedown of every link a case names, in the case's scope."""
    store = takedowns.Store(conn)
    file_ids = tuple(bytes.fromhex(h) for h in case.elements.get("file_ids", []))
    total = Plan()
    for link_id in cases.link_ids(conn, case.case_id):
        target = store.link(link_id)
        if target is None:
            # A link gone since the notice (revoked, or its node removed): still blocked, so
            # a visitor learns why, and its import lineage still reaches the copies.
            total.links.add(link_id)
            continue
        total.merge(plan_for_link(store, target, scope, file_ids))
    return total


@dataclass(frozen=True, slots=True)
class Applied:
    plan: Plan
    # The owners of the disabled links, read before scope 3 removed them with their nodes.
    link_owners: dict[bytes, bytes]
    released: set[bytes]


def apply(conn: Connection, case: cases.CaseRow, scope: Scope) -> Applied:
    """Carry out the case's takedown."""
    todo = plan(conn, case, scope)
    owners = takedowns.link_owners(conn, todo.links)
    subjects = dict.fromkeys(owners.values(), "owner")
    for ref in todo.nodes:
        subjects.setdefault(ref.owner_id, "holder")
    cases.add_subjects(conn, case.case_id, subjects)
    takedowns.block_links(conn, todo.links, case.case_id, case.kind)
    takedowns.block_contents(conn, todo.refuse, case.case_id, case.kind)
    why = takedowns.Block(case.case_id, case.kind)
    released = takedowns.remove_nodes(conn, todo.nodes, todo.refuse, why) if todo.nodes else set()
    return Applied(todo, owners, released | todo.refuse)
