# SPDX-License-Identifier: AGPL-3.0-or-later
"""Contacts: invitations between accounts and the accepted pairs."""

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, or_, select, update

from sealbox.protocol import models as m
from sealbox.server.db.schema import accounts, contacts


def _pair(a: bytes, b: bytes) -> ColumnElement[bool]:
    return or_(
        and_(contacts.c.inviter_id == a, contacts.c.invitee_id == b),
        and_(contacts.c.inviter_id == b, contacts.c.invitee_id == a),
    )


def are_contacts(conn: Connection, a: bytes, b: bytes) -> bool:
    """True when ``a`` and ``b`` accepted each other (in either direction of the invitation)."""
    row = conn.execute(
        select(contacts.c.accepted).where(_pair(a, b) & (contacts.c.accepted == 1))
    ).first()
    return row is not None


def between(conn: Connection, a: bytes, b: bytes) -> tuple[bytes, bool] | None:
    """The invitation or contact between the two: who invited, and whether it was accepted."""
    row = conn.execute(
        select(contacts.c.inviter_id, contacts.c.accepted).where(_pair(a, b))
    ).first()
    return None if row is None else (row.inviter_id, bool(row.accepted))


def invite(conn: Connection, inviter: bytes, invitee: bytes) -> None:
    conn.execute(insert(contacts).values(inviter_id=inviter, invitee_id=invitee, accepted=0))


def accept(conn: Connection, inviter: bytes, invitee: bytes) -> bool:
    done = conn.execute(
        update(contacts)
        .where((contacts.c.inviter_id == inviter) & (contacts.c.invitee_id == invitee))
        .values(accepted=1)
    ).rowcount
    return bool(done)


def decline(conn: Connection, inviter: bytes, invitee: bytes) -> bool:
    gone = conn.execute(
        delete(contacts).where(
            (contacts.c.inviter_id == inviter)
            & (contacts.c.invitee_id == invitee)
            & (contacts.c.accepted == 0)
        )
    ).rowcount
    return bool(gone)


def remove(conn: Connection, a: bytes, b: bytes) -> bool:
    return bool(conn.execute(delete(contacts).where(_pair(a, b))).rowcount)


def of(conn: Connection, user_id: bytes) -> m.ContactList:
    out = m.ContactList(incoming=[], outgoing=[], accepted=[])
    rows = conn.execute(
        select(contacts, accounts.c.user_id, accounts.c.username)
        .select_from(
            contacts.join(
                accounts,
                or_(
                    and_(
                        contacts.c.inviter_id == user_id,
                        accounts.c.user_id == contacts.c.invitee_id,
                    ),
                    and_(
                        contacts.c.invitee_id == user_id,
                        accounts.c.user_id == contacts.c.inviter_id,
                    ),
                ),
            )
        )
        .order_by(accounts.c.username)
    ).all()
    for row in rows:
        view = m.ContactView(user_id=row.user_id, username=row.username)
        if row.accepted:
            out.accepted.append(view)
        elif row.inviter_id == user_id:
            out.outgoing.append(view)
        else:
            out.incoming.append(view)
    return out
