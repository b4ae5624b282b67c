# SPDX-License-Identifier: AGPL-3.0-or-later
"""The account's sessions, with the device name of each, sealed so that only the account holder
can read it (spec/keys.md, "Device names")."""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.client.sdk.account import Session
from sealbox.crypto.devices import open_device_name, seal_device_name
from sealbox.crypto.keys import RandomSource, system_random


@dataclass(frozen=True)
class SessionInfo:
    session_id: bytes
    created_day: str
    last_used_day: str
    current: bool
    device: str | None  # opened and checked here; None when the session has no name


async def name_device(session: Session, name: str, rng: RandomSource = system_random) -> None:
    """Give this session a device name, sealed under the account's master key and bound to the
    account and this session."""
    sealed = seal_device_name(session.master_key, session.user_id, session.session_id, name, rng)
    await session.api.name_session(session.session_id, sealed)


async def list_sessions(session: Session) -> list[SessionInfo]:
    """The account's sessions; each device name is opened with its own row's session id, and one
    that does not open is refused (IntegrityError): the server made it up or moved it."""
    listed = await session.api.sessions()
    return [
        SessionInfo(
            s.session_id,
            s.created_day,
            s.last_used_day,
            s.current,
            None
            if s.device is None
            else open_device_name(session.master_key, s.device, session.user_id, s.session_id),
        )
        for s in listed.sessions
    ]
