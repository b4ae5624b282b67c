# SPDX-License-Identifier: AGPL-3.0-or-later
"""Contacts: invitations between accounts, and the accepted pairs that may share with each other.

A share can only go to an accepted contact (spec/http-api.md §11), so nobody receives folders
from strangers: the invitee decides first. The server stores the pair of user ids and whether the
invitation was accepted (no time); identity keys stay the clients' business (pins).
"""

from functools import partial

from anyio import to_thread

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.db import accounts, contacts
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.accounts import normalise_username


class ContactService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _other(self, conn: Connection, user_id: bytes, username: str) -> bytes:
        other = accounts.user_id_of(conn, normalise_username(username))
        if other is None:
            raise not_found("user")
        if other == user_id:
            raise ServiceError(ErrorCode.BAD_REQUEST, "you cannot be your own contact")
        return bytes(other)

    def _invite(self, user_id: bytes, username: str) -> None:
        with writing(self._engine) as conn:
            other = self._other(conn, user_id, username)
            existing = contacts.between(conn, user_id, other)
            if existing is None:
                contacts.invite(conn, user_id, other)
            elif existing == (other, False):
                # Both asked: inviting someone who already invited you accepts their invitation.
                contacts.accept(conn, other, user_id)
            # Otherwise the invitation is pending already, or the two are contacts: a repeat is
            # harmless and changes nothing.

    async def invite(self, user_id: bytes, username: str) -> None:
        await to_thread.run_sync(partial(self._invite, user_id, username))

    def _accept(self, user_id: bytes, username: str) -> None:
        with writing(self._engine) as conn:
            other = self._other(conn, user_id, username)
            done = contacts.accept(conn, other, user_id)
        if not done:
            raise not_found("invitation")

    async def accept(self, user_id: bytes, username: str) -> None:
        """Accept the invitation ``username`` sent (accepting twice is harmless)."""
        await to_thread.run_sync(partial(self._accept, user_id, username))

    def _decline(self, user_id: bytes, username: str) -> None:
        with writing(self._engine) as conn:
            other = self._other(conn, user_id, username)
            gone = contacts.decline(conn, other, user_id)
        if not gone:
            raise not_found("invitation")

    async def decline(self, user_id: bytes, username: str) -> None:
        await to_thread.run_sync(partial(self._decline, user_id, username))

    def _remove(self, user_id: bytes, username: str) -> None:
        with writing(self._engine) as conn:
            other = self._other(conn, user_id, username)
            gone = contacts.remove(conn, user_id, other)
        if not gone:
            raise not_found("contact")

    async def remove(self, user_id: bytes, username: str) -> None:
        """End a contact, or withdraw an invitation this account sent. Existing shares between
        the two are left alone: unsharing is the owner's decision (and rotates keys)."""
        await to_thread.run_sync(partial(self._remove, user_id, username))

    def _list(self, user_id: bytes) -> m.ContactList:
        with read_only(self._engine) as conn:
            return contacts.of(conn, user_id)

    async def list(self, user_id: bytes) -> m.ContactList:
        return await to_thread.run_sync(partial(self._list, user_id))
