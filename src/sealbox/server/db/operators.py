# SPDX-License-Identifier: AGPL-3.0-or-later
"""Operator, inspector and trusted-flagger tokens (hashes only), the append-only audit record,
the outbox of notifications and the evidence records (spec/compliance.md §8, §10, §11)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from sealbox.server.db.compliance_tables import audit_log, evidence, operator_tokens, outbox
from sealbox.server.db.outbox import without_fragments


@dataclass(frozen=True, slots=True)
class TokenHolder:
    name: str
    role: str


def add_token(conn: Connection, name: str, role: str, token_hash: bytes) -> bool:
    """False if the name is taken."""
    taken = conn.execute(
        select(operator_tokens.c.name).where(operator_tokens.c.name == name)
    ).first()
    if taken is not None:
        return False
    conn.execute(
        insert(operator_tokens).values(name=name, role=role, token_hash=token_hash, revoked=0)
    )
    return True


def holder(conn: Connection, token_hash: bytes) -> TokenHolder | None:
    row = conn.execute(
        select(operator_tokens.c.name, operator_tokens.c.role).where(
            (operator_tokens.c.token_hash == token_hash) & (operator_tokens.c.revoked == 0)
        )
    ).first()
    return None if row is None else TokenHolder(row.name, row.role)


def revoke_token(conn: Connection, name: str, role: str) -> bool:
    done = conn.execute(
        update(operator_tokens)
        .where((operator_tokens.c.name == name) & (operator_tokens.c.role == role))
        .values(revoked=1)
    ).rowcount
    return bool(done)


def names(conn: Connection, role: str) -> list[str]:
    rows = conn.execute(
        select(operator_tokens.c.name)
        .where((operator_tokens.c.role == role) & (operator_tokens.c.revoked == 0))
        .order_by(operator_tokens.c.name)
    )
    return list(rows.scalars())


def audit(conn: Connection, operator: str, action: str, target: str, at: int) -> None:
    conn.execute(insert(audit_log).values(operator=operator, action=action, target=target, at=at))


def audit_entries(conn: Connection, limit: int) -> list[Any]:
    return list(conn.execute(select(audit_log).order_by(audit_log.c.entry_id).limit(limit)))


def send(conn: Connection, values: dict[str, Any]) -> None:
    """Queue a message for the mailer; URL fragments (link keys) are cut off first."""
    values = {**values, "body": without_fragments(values["body"]),
              "subject": without_fragments(values["subject"])}  # fmt: skip
    conn.execute(insert(outbox).values(**values))


def messages(conn: Connection) -> list[Any]:
    return list(conn.execute(select(outbox).order_by(outbox.c.created_at, outbox.c.message_id)))


def keep_evidence(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(delete(evidence).where(evidence.c.case_id == values["case_id"]))
    conn.execute(insert(evidence).values(**values))


def evidence_of(conn: Connection, case_id: bytes) -> Any:
    return conn.execute(select(evidence).where(evidence.c.case_id == case_id)).first()


def expire_evidence(conn: Connection, now: int) -> int:
    return int(conn.execute(delete(evidence).where(evidence.c.expires_at <= now)).rowcount)
