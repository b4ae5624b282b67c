# SPDX-License-Identifier: AGPL-3.0-or-later
"""Other people's identities and contacts: bundles fetched from the server, checked against pins,
pinned on first sight, verified by comparing safety numbers (spec/sharing.md, "Pinning
identities"), and the invitations that make two accounts contacts (only contacts can share).

The server supplies bundles but never decides which key is trusted: every key used to seal or to
verify comes from a bundle accepted against the local pin. A key change is refused until the
person compares safety numbers again and accepts the new key explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.client.sdk.account import Session, normalize_username
from sealbox.client.sdk.errors import SealboxError
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityBundle, Pin, safety_number, verify_bundle


@dataclass(frozen=True)
class Identity:
    username: str
    bundle: IdentityBundle
    verified: bool


async def identity(session: Session, username: str, first_sight: bool = True) -> Identity:
    """The user's bundle, accepted against the pin (pinned unverified on first sight, unless
    ``first_sight`` is False: then a user with no pin is checked but not pinned, for showing a
    name only, never for sealing to them or trusting their signature).

    Raises IntegrityError ``key_changed`` (or ``rollback``) without touching the pin when the
    server offers a key the pin does not vouch for.
    """
    name = normalize_username(username)
    if name == session.username:
        return Identity(name, session.bundle, True)
    reply = await session.api.user_bundle(name)
    if reply.username != name:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server answered for another user")
    pinned = session.state.pin_by_username(session.user_id, name)
    try:
        bundle = verify_bundle(reply.identity_bundle, name, pinned[0] if pinned else None)
    except IntegrityError as exc:
        if exc.code == ErrorCode.KEY_CHANGED:
            raise IntegrityError(
                ErrorCode.KEY_CHANGED,
                f"the identity key of {name} has changed since you first saw it; compare safety "
                f"numbers with `sealbox contacts verify {name}` before sharing with them again",
            ) from None
        raise
    if bundle.user_id != reply.user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the bundle names another account")
    verified = pinned[1] if pinned else False
    if pinned or first_sight:
        session.state.save_pin(session.user_id, bundle.pin(), name, verified)
    return Identity(name, bundle, verified)


@dataclass(frozen=True)
class Verification:
    username: str
    safety_number: str
    key_changed: bool
    verified: bool


async def verify(session: Session, username: str, confirm: bool) -> Verification:
    """The safety number with ``username``; with ``confirm`` the person says it matched, which
    marks the pin verified or, after a key change, replaces the pin with the new key."""
    name = normalize_username(username)
    try:
        found = await identity(session, name)
        bundle, changed, verified = found.bundle, False, found.verified
    except IntegrityError as exc:
        if exc.code != ErrorCode.KEY_CHANGED:
            raise
        bundle, changed, verified = await _unpinned(session, name), True, False
    number = safety_number(session.bundle, bundle)
    if confirm:
        session.state.save_pin(session.user_id, bundle.pin(), name, True)
        verified = True
    return Verification(name, number, changed, verified)


async def _unpinned(session: Session, name: str) -> IdentityBundle:
    """The bundle the server now offers, checked for itself only: shown for comparison after a
    key change, and pinned only if the person confirms the safety number."""
    reply = await session.api.user_bundle(name)
    bundle = verify_bundle(reply.identity_bundle, name, None)
    if bundle.user_id != reply.user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the bundle names another account")
    return bundle


@dataclass(frozen=True)
class Contact:
    username: str
    pin: Pin
    verified: bool


def contacts(session: Session) -> list[Contact]:
    """Everyone this account has pinned (its own pin aside)."""
    return [
        Contact(name, pin, ok)
        for pin, name, ok in session.state.pins(session.user_id)
        if pin.user_id != session.user_id
    ]


def forget(session: Session, username: str) -> bool:
    """Drop the pin of ``username``: the next contact starts again from first sight. False when
    there was none."""
    pinned = session.state.pin_by_username(session.user_id, normalize_username(username))
    if pinned is None or pinned[0].user_id == session.user_id:
        return False
    session.state.forget_pin(session.user_id, pinned[0].user_id)
    return True


# Invitations ------------------------------------------------------------------------------------


async def invite(session: Session, username: str) -> Identity:
    """Invite ``username`` to be a contact, pinning their key on first sight. Inviting someone
    who already invited you accepts their invitation."""
    found = await identity(session, username)
    if found.bundle.user_id == session.user_id:
        raise SealboxError("you cannot invite yourself")
    await session.api.invite_contact(found.username)
    return found


async def accept(session: Session, username: str) -> Identity:
    """Accept the invitation from ``username``, pinning the inviter's key on first sight (or
    refusing with ``key_changed`` if it differs from the pin). For someone who is a contact
    already (accepted on another device), this pins their key here; this explicit step is what
    shows their shares on this device (spec/sharing.md, "Shares from contacts only")."""
    found = await identity(session, username)
    accepted = {view.user_id for view in (await session.api.contacts()).accepted}
    if found.bundle.user_id not in accepted:
        await session.api.accept_contact(found.username)
    return found


async def decline(session: Session, username: str) -> None:
    await session.api.decline_contact(normalize_username(username))


async def remove(session: Session, username: str, forget_key: bool = False) -> None:
    """End the contact (or withdraw an invitation). Shares between the two stay as they are:
    unshare them separately. The pin stays too, unless ``forget_key``, so that a later contact
    with the same person is still checked against the key seen before."""
    name = normalize_username(username)
    await session.api.remove_contact(name)
    if forget_key:
        forget(session, name)


@dataclass(frozen=True)
class ContactEntry:
    """One line of the contact list: the relation the server records and the local pin state."""

    username: str
    user_id: bytes
    # "contact" (accepted), "invited" (you invited them), "invites you", or "pinned" (a key
    # this device pinned with no contact relation on the server).
    state: str
    pinned: bool
    verified: bool
    key_changed: bool


async def listing(session: Session) -> list[ContactEntry]:
    """Every contact and invitation, with each person's pin checked against the bundle the
    server offers now, so that a changed key shows in the listing."""
    reply = await session.api.contacts()
    out: list[ContactEntry] = []
    seen: set[bytes] = set()
    for state, views in (
        ("contact", reply.accepted),
        ("invited", reply.outgoing),
        ("invites you", reply.incoming),
    ):
        for view in views:
            seen.add(view.user_id)
            out.append(await _entry(session, view.username, view.user_id, state))
    for pin, name, verified in session.state.pins(session.user_id):
        if pin.user_id not in seen and pin.user_id != session.user_id:
            out.append(ContactEntry(name, pin.user_id, "pinned", True, verified, False))
    return sorted(out, key=lambda e: e.username)


async def _entry(session: Session, name: str, user_id: bytes, state: str) -> ContactEntry:
    pinned = session.state.pin(session.user_id, user_id)
    if pinned is None:
        # Not pinned yet: nothing to compare; the key is pinned on accept or first use.
        return ContactEntry(name, user_id, state, False, False, False)
    try:
        found = await identity(session, name)
    except IntegrityError as exc:
        if exc.code != ErrorCode.KEY_CHANGED:
            raise
        return ContactEntry(name, user_id, state, True, False, True)
    return ContactEntry(name, user_id, state, True, found.verified, False)


async def require_contact(session: Session, user_id: bytes, username: str) -> None:
    """Refuse (before anything is sealed) unless ``username`` is an accepted contact."""
    accepted = {v.user_id for v in (await session.api.contacts()).accepted}
    if user_id not in accepted:
        raise SealboxError(
            f"{username} is not your contact: run `sealbox contacts invite {username}` and wait "
            "for them to accept before sharing"
        )
