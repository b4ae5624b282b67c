"""Contacts: invitations between accounts, and the accepted pairs that may share with each other.

A share can only go to an accepted contact (spec/http-api.md §11), so nobody receives folders
from strangers: the invitee decides first. The server stores the pair of user ids and whether the
invitation was accepted (no time); identity keys stay the clients' business (pins).
"""

from functools import partial

from anyio import to_thread
from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, insert, or_, select, update

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import accounts, contacts
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.accounts import normalise_username


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


class ContactService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _other(self, conn: Connection, user_id: bytes, username: str) -> bytes:
        row = conn.execute(
            select(accounts.c.user_id).where(accounts.c.username == normalise_username(username))
        ).first()
        if row is None:
            raise not_found("user")
        if row.user_id == user_id:
            raise ServiceError(ErrorCode.BAD_REQUEST, "you cannot be your own contact")
        return bytes(row.user_id)

    def _invite(self, user_id: bytes, username: str) -> None:
        with self._engine.begin() as conn:
            other = self._other(conn, user_id, username)
            existing = conn.execute(
                select(contacts.c.inviter_id, contacts.c.accepted).where(_pair(user_id, other))
            ).first()
            if existing is None:
                conn.execute(
                    insert(contacts).values(
                        inviter_id=user_id,
                        invitee_id=other,
                        accepted=0,
                    )
                )
            elif existing.inviter_id == other and not existing.accepted:
                # Both asked: inviting someone who already invited you accepts their invitation.
                conn.execute(
                    update(contacts)
                    .where((contacts.c.inviter_id == other) & (contacts.c.invitee_id == user_id))
                    .values(accepted=1)
                )
            # Otherwise the invitation is pending already, or the two are contacts: a repeat is
            # harmless and changes nothing.

    async def invite(self, user_id: bytes, username: str) -> None:
        await to_thread.run_sync(partial(self._invite, user_id, username))

    def _accept(self, user_id: bytes, username: str) -> None:
        with self._engine.begin() as conn:
            other = self._other(conn, user_id, username)
            done = conn.execute(
                update(contacts)
                .where((contacts.c.inviter_id == other) & (contacts.c.invitee_id == user_id))
                .values(accepted=1)
            ).rowcount
        if done == 0:
            raise not_found("invitation")

    async def accept(self, user_id: bytes, username: str) -> None:
        """Accept the invitation ``username`` sent (accepting twice is harmless)."""
        await to_thread.run_sync(partial(self._accept, user_id, username))

    def _decline(self, user_id: bytes, username: str) -> None:
        with self._engine.begin() as conn:
            other = self._other(conn, user_id, username)
            gone = conn.execute(
                delete(contacts).where(
                    (contacts.c.inviter_id == other)
                    & (contacts.c.invitee_id == user_id)
                    & (contacts.c.accepted == 0)
                )
            ).rowcount
        if gone == 0:
            raise not_found("invitation")

    async def decline(self, user_id: bytes, username: str) -> None:
        await to_thread.run_sync(partial(self._decline, user_id, username))

    def _remove(self, user_id: bytes, username: str) -> None:
        with self._engine.begin() as conn:
            other = self._other(conn, user_id, username)
            gone = conn.execute(delete(contacts).where(_pair(user_id, other))).rowcount
        if gone == 0:
            raise not_found("contact")

    async def remove(self, user_id: bytes, username: str) -> None:
        """End a contact, or withdraw an invitation this account sent. Existing shares between
        the two are left alone: unsharing is the owner's decision (and rotates keys)."""
        await to_thread.run_sync(partial(self._remove, user_id, username))

    def _list(self, user_id: bytes) -> m.ContactList:
        out = m.ContactList(incoming=[], outgoing=[], accepted=[])
        with read_only(self._engine) as conn:
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

    async def list(self, user_id: bytes) -> m.ContactList:
        return await to_thread.run_sync(partial(self._list, user_id))
