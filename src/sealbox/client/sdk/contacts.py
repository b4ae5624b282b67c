"""Other people's identities: fetched from the server, checked against pins, pinned on first
sight, and verified by comparing safety numbers (spec/sharing.md, "Pinning identities").

The server supplies bundles but never decides which key is trusted: every key used to seal or to
verify comes from a bundle accepted against the local pin. A key change is refused until the
person compares safety numbers again and accepts the new key explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.client.sdk.account import Session, normalize_username
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityBundle, Pin, safety_number, verify_bundle


@dataclass(frozen=True)
class Identity:
    username: str
    bundle: IdentityBundle
    verified: bool


async def identity(session: Session, username: str) -> Identity:
    """The user's bundle, accepted against the pin (pinned unverified on first sight).

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


async def write_members(session: Session) -> dict[bytes, bytes]:
    """Signing keys of the write members of this account's outgoing shares, from their pins.
    A member whose key changed is left out, so their signatures stop verifying until they are
    verified again."""
    members: dict[bytes, bytes] = {}
    for share in (await session.api.shares()).outgoing:
        for member in share.members:
            if member.rights != 2 or member.user_id in members:
                continue
            try:
                found = await identity(session, member.username)
            except IntegrityError:
                continue
            if found.bundle.user_id == member.user_id:
                members[member.user_id] = found.bundle.keys.sign_public
    return members
