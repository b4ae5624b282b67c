# SPDX-License-Identifier: AGPL-3.0-or-later
"""Cases (one per notice or abuse report), the links and accounts they concern, strikes and
appeals (spec/compliance.md §4, §6, §9)."""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from sealbox.server.db.compliance_tables import (
    appeals,
    case_links,
    case_subjects,
    cases,
    strikes,
)


@dataclass(frozen=True, slots=True)
class CaseRow:
    case_id: bytes
    kind: str
    state: str
    scope: str | None
    priority: int
    received_at: int
    changed_at: int
    notifier_name: str
    notifier_contact: str
    flagger: str | None
    elements: dict[str, Any]
    missing: list[str]
    fingerprint: str | None
    counter_notice: dict[str, Any] | None
    restore_not_before: int | None
    restore_not_after: int | None
    decision: dict[str, Any] | None
    puid: str | None


JSON_COLUMNS = ("elements", "missing", "counter_notice", "decision")


def _row(row: Any) -> CaseRow:
    values = dict(row._mapping)
    for name in JSON_COLUMNS:
        if values[name] is not None:
            values[name] = json.loads(values[name])
    return CaseRow(**values)


def _dumped(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (json.dumps(v, sort_keys=True) if k in JSON_COLUMNS and v is not None else v)
        for k, v in values.items()
    }


def add(conn: Connection, values: dict[str, Any], link_ids: list[bytes]) -> None:
    conn.execute(insert(cases).values(**_dumped(values)))
    for link_id in dict.fromkeys(link_ids):
        conn.execute(insert(case_links).values(case_id=values["case_id"], link_id=link_id))


def find(conn: Connection, case_id: bytes, *, lock: bool = False) -> CaseRow | None:
    query = select(cases).where(cases.c.case_id == case_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return None if row is None else _row(row)


def find_decided(conn: Connection, puid: str) -> CaseRow | None:
    """The case whose decision has this public id."""
    row = conn.execute(select(cases).where(cases.c.puid == puid)).first()
    return None if row is None else _row(row)


def change(conn: Connection, case_id: bytes, **values: Any) -> None:
    conn.execute(update(cases).where(cases.c.case_id == case_id).values(**_dumped(values)))


def listing(conn: Connection, state: str | None) -> list[CaseRow]:
    query = select(cases).order_by(cases.c.priority.desc(), cases.c.received_at, cases.c.case_id)
    if state is not None:
        query = query.where(cases.c.state == state)
    return [_row(r) for r in conn.execute(query)]


def open_duplicate(conn: Connection, fingerprint: str, closed: set[str]) -> bool:
    row = conn.execute(
        select(cases.c.case_id).where(
            (cases.c.fingerprint == fingerprint) & cases.c.state.not_in(closed)
        )
    ).first()
    return row is not None


def incomplete_repeated(
    conn: Connection, contact: str, flagger: str | None, named: list[bytes]
) -> CaseRow | None:
    """The newest copyright case still ``incomplete`` from ``contact`` (and ``flagger``) that
    names exactly the links ``named``: the notice a resend completes (spec/compliance.md
    §3.1)."""
    query = (
        select(cases)
        .where(
            (cases.c.kind == "copyright")
            & (cases.c.state == "incomplete")
            & (cases.c.notifier_contact == contact)
            & (cases.c.flagger.is_(None) if flagger is None else cases.c.flagger == flagger)
        )
        .order_by(cases.c.received_at.desc(), cases.c.case_id)
        .with_for_update()
    )
    wanted = sorted(set(named))
    for row in conn.execute(query).all():
        if link_ids(conn, row.case_id) == wanted:
            return _row(row)
    return None


def from_notifier_since(conn: Connection, contact: str, since: int) -> int:
    rows = conn.execute(
        select(cases.c.case_id).where(
            (cases.c.notifier_contact == contact) & (cases.c.received_at >= since)
        )
    )
    return len(rows.all())


def rejected_from_since(conn: Connection, contact: str, since: int) -> int:
    rows = conn.execute(
        select(cases.c.case_id).where(
            (cases.c.notifier_contact == contact)
            & (cases.c.state == "rejected")
            & (cases.c.changed_at >= since)
        )
    )
    return len(rows.all())


def link_ids(conn: Connection, case_id: bytes) -> list[bytes]:
    rows = conn.execute(select(case_links.c.link_id).where(case_links.c.case_id == case_id))
    return sorted(rows.scalars())


def add_subjects(conn: Connection, case_id: bytes, subjects: dict[bytes, str]) -> None:
    known = set(subject_ids(conn, case_id))
    for user_id, relation in sorted(subjects.items()):
        if user_id not in known:
            conn.execute(
                insert(case_subjects).values(case_id=case_id, user_id=user_id, relation=relation)
            )


def subject_ids(conn: Connection, case_id: bytes) -> list[bytes]:
    rows = conn.execute(select(case_subjects.c.user_id).where(case_subjects.c.case_id == case_id))
    return sorted(rows.scalars())


def subjects(conn: Connection, case_id: bytes) -> dict[bytes, str]:
    rows = conn.execute(select(case_subjects).where(case_subjects.c.case_id == case_id))
    return {r.user_id: r.relation for r in rows}


def concerning(conn: Connection, user_id: bytes) -> list[CaseRow]:
    rows = conn.execute(
        select(cases)
        .select_from(cases.join(case_subjects, case_subjects.c.case_id == cases.c.case_id))
        .where(case_subjects.c.user_id == user_id)
        .order_by(cases.c.received_at, cases.c.case_id)
    )
    return [_row(r) for r in rows]


def add_strike(conn: Connection, case_id: bytes, user_id: bytes, at: int) -> None:
    conn.execute(insert(strikes).values(case_id=case_id, user_id=user_id, at=at))


def strikes_of(conn: Connection, user_id: bytes) -> list[tuple[bytes, int, str]]:
    """(case id, time, the case's state) of every strike against the account."""
    rows = conn.execute(
        select(strikes.c.case_id, strikes.c.at, cases.c.state)
        .select_from(strikes.join(cases, cases.c.case_id == strikes.c.case_id))
        .where(strikes.c.user_id == user_id)
        .order_by(strikes.c.at)
    )
    return [(r.case_id, r.at, r.state) for r in rows]


def add_appeal(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(appeals).values(**values))


def find_appeal(conn: Connection, appeal_id: bytes) -> Any:
    return conn.execute(select(appeals).where(appeals.c.appeal_id == appeal_id)).first()


def open_appeal_for(conn: Connection, case_id: bytes) -> bool:
    row = conn.execute(
        select(appeals.c.appeal_id).where(
            (appeals.c.case_id == case_id) & (appeals.c.state == "open")
        )
    ).first()
    return row is not None


def decide_appeal(conn: Connection, appeal_id: bytes, **values: Any) -> None:
    conn.execute(update(appeals).where(appeals.c.appeal_id == appeal_id).values(**values))


def appeal_list(conn: Connection, state: str | None) -> list[Any]:
    query = select(appeals).order_by(appeals.c.appeal_id)
    if state is not None:
        query = query.where(appeals.c.state == state)
    return list(conn.execute(query))
