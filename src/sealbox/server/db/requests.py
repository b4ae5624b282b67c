# SPDX-License-Identifier: AGPL-3.0-or-later
"""The register of requests for user data and the preservation holds (spec/compliance.md §12):
domain records in, domain records out."""

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from sealbox.compliance.requests import (
    DataRequest,
    Hold,
    Outcome,
    RequestState,
    RequestType,
    Restraint,
)
from sealbox.server.db.request_tables import data_requests, preservation_holds
from sealbox.server.db.schema import accounts


def _request_row(request: DataRequest) -> dict[str, Any]:
    row = asdict(request)
    row["user_id"] = row.pop("account")
    row["court_order"] = int(request.court_order)
    return row


def _request(row: Any) -> DataRequest:
    values = dict(row._mapping)
    user_id = values.pop("user_id")
    return DataRequest(
        **{
            **values,
            "account": None if user_id is None else bytes(user_id),
            "request_id": bytes(values["request_id"]),
            "type": RequestType(values["type"]),
            "state": RequestState(values["state"]),
            "court_order": bool(values["court_order"]),
            "restraint": None if values["restraint"] is None else Restraint(values["restraint"]),
            "outcome": None if values["outcome"] is None else Outcome(values["outcome"]),
        }
    )


def add_request(conn: Connection, request: DataRequest) -> None:
    conn.execute(insert(data_requests).values(**_request_row(request)))


def save_request(conn: Connection, request: DataRequest) -> None:
    row = _request_row(request)
    request_id = row.pop("request_id")
    conn.execute(
        update(data_requests).where(data_requests.c.request_id == request_id).values(**row)
    )


def request(conn: Connection, request_id: bytes, *, lock: bool = False) -> DataRequest | None:
    query = select(data_requests).where(data_requests.c.request_id == request_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return None if row is None else _request(row)


def requests(conn: Connection, state: str | None = None) -> list[DataRequest]:
    query = select(data_requests).order_by(data_requests.c.received_at, data_requests.c.request_id)
    if state is not None:
        query = query.where(data_requests.c.state == state)
    return [_request(row) for row in conn.execute(query)]


def notices_due(conn: Connection, now: int) -> list[DataRequest]:
    """Requests whose user is to be told by now and has not been (the domain decides the rest)."""
    query = (
        select(data_requests)
        .where(
            (data_requests.c.notice_due_at <= now)
            & data_requests.c.notified_at.is_(None)
            & data_requests.c.user_id.is_not(None)
        )
        .with_for_update()
    )
    return [_request(row) for row in conn.execute(query)]


def _hold(row: Any) -> Hold:
    values = dict(row._mapping)
    request_id = values["request_id"]
    return Hold(
        hold_id=bytes(values["hold_id"]),
        account=bytes(values["user_id"]),
        request_id=None if request_id is None else bytes(request_id),
        created_at=values["created_at"],
        expires_at=values["expires_at"],
        renewals=values["renewals"],
        released_at=values["released_at"],
    )


def put_hold(conn: Connection, hold: Hold) -> None:
    """Insert the hold, or update it if it exists (renewal, release)."""
    values = {
        "user_id": hold.account,
        "request_id": hold.request_id,
        "created_at": hold.created_at,
        "expires_at": hold.expires_at,
        "renewals": hold.renewals,
        "released_at": hold.released_at,
    }
    done = conn.execute(
        update(preservation_holds)
        .where(preservation_holds.c.hold_id == hold.hold_id)
        .values(**values)
    ).rowcount
    if not done:
        conn.execute(insert(preservation_holds).values(hold_id=hold.hold_id, **values))


def hold(conn: Connection, hold_id: bytes) -> Hold | None:
    row = conn.execute(
        select(preservation_holds).where(preservation_holds.c.hold_id == hold_id)
    ).first()
    return None if row is None else _hold(row)


def holds(conn: Connection, user_id: bytes | None = None) -> list[Hold]:
    query = select(preservation_holds).order_by(
        preservation_holds.c.created_at, preservation_holds.c.hold_id
    )
    if user_id is not None:
        query = query.where(preservation_holds.c.user_id == user_id)
    return [_hold(row) for row in conn.execute(query)]


def held_accounts(conn: Connection, user_ids: list[bytes], now: int) -> set[bytes]:
    """Those of ``user_ids`` under a hold in force at ``now``: nothing of theirs is erased."""
    if not user_ids:
        return set()
    query = select(preservation_holds.c.user_id).where(
        preservation_holds.c.user_id.in_(user_ids)
        & (preservation_holds.c.expires_at > now)
        & preservation_holds.c.released_at.is_(None)
    )
    found: list[bytes] = list(conn.execute(query).scalars())
    return {bytes(user_id) for user_id in found}


def drop_ended_holds(conn: Connection, now: int) -> int:
    """Delete holds that expired or were released (the retention job)."""
    ended = or_(preservation_holds.c.expires_at <= now, preservation_holds.c.released_at <= now)
    return int(conn.execute(delete(preservation_holds).where(ended)).rowcount)


def email_of(conn: Connection, user_id: bytes) -> str | None:
    """The account's e-mail address, if it gave one (the channel its notices go to)."""
    found: str | None = conn.execute(
        select(accounts.c.email).where(accounts.c.user_id == user_id)
    ).scalar()
    return found
