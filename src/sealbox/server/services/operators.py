# SPDX-License-Identifier: AGPL-3.0-or-later
"""Operators, the inspector and trusted flaggers: tokens separate from user accounts (only their
hashes are stored), and the append-only audit record of every operator action
(spec/compliance.md §10, §11)."""

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock
from sealbox.server.db import operators
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.errors import ServiceError

ROLES = ("operator", "inspector", "flagger")


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    role: str


def token_hash(token: str) -> bytes:
    # Tokens are 256 random bits: a plain hash is enough to make the stored value useless.
    return hashlib.sha256(token.strip().encode()).digest()


class OperatorService:
    def __init__(
        self, engine: Engine, clock: Clock, random: Callable[[int], bytes] = os.urandom
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._random = random

    def issue(self, name: str, role: str, by: str) -> str:
        """A new token for ``name`` in ``role``; shown once, only its hash is kept."""
        if role not in ROLES or not name.strip():
            raise ServiceError(ErrorCode.BAD_REQUEST, f"role must be one of {', '.join(ROLES)}")
        token = base64.urlsafe_b64encode(self._random(32)).decode().rstrip("=")
        with writing(self._engine) as conn:
            if not operators.add_token(conn, name, role, token_hash(token)):
                raise ServiceError(ErrorCode.ID_TAKEN, f"the name {name!r} is already in use")
            self.audit(conn, by, f"issue_{role}_token", name)
        return token

    def revoke(self, name: str, role: str, by: str) -> None:
        with writing(self._engine) as conn:
            if not operators.revoke_token(conn, name, role):
                raise ServiceError(ErrorCode.NOT_FOUND, f"no {role} named {name!r}")
            self.audit(conn, by, f"revoke_{role}_token", name)

    def names(self, role: str) -> list[str]:
        with read_only(self._engine) as conn:
            return operators.names(conn, role)

    def authenticate(self, token: str, roles: tuple[str, ...]) -> Operator:
        with read_only(self._engine) as conn:
            found = operators.holder(conn, token_hash(token))
        if found is None or found.role not in roles:
            raise ServiceError(
                ErrorCode.UNAUTHORIZED,
                "missing or invalid operator token",
                headers={"WWW-Authenticate": "Operator"},
            )
        return Operator(found.name, found.role)

    def audit(self, conn: Connection, operator: str, action: str, target: str) -> None:
        """Append one entry: who did what to which record, and when."""
        operators.audit(conn, operator, action, target, int(self._clock.now()))

    def audit_entries(self, limit: int = 1000) -> list[Any]:
        with read_only(self._engine) as conn:
            return operators.audit_entries(conn, limit)
