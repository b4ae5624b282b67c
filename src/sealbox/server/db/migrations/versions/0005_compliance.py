# SPDX-License-Identifier: AGPL-3.0-or-later
"""compliance: notices, cases, takedowns, strikes, appeals, audit (spec/compliance.md)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = (
    "cases",
    "account_restrictions",
    "appeals",
    "audit_log",
    "blocked_contents",
    "blocked_links",
    "evidence",
    "operator_tokens",
    "outbox",
    "strikes",
    "case_links",
    "case_subjects",
)


def upgrade() -> None:
    # cases first: case_links and case_subjects refer to it.
    for create in (
        _create_cases,
        _create_account_restrictions,
        _create_appeals,
        _create_audit_log,
        _create_blocked_contents,
        _create_blocked_links,
        _create_evidence,
        _create_operator_tokens,
        _create_outbox,
        _create_strikes,
        _create_case_links,
        _create_case_subjects,
    ):
        create()


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)


def _create_cases() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.Column("notifier_name", sa.String(length=300), nullable=False),
        sa.Column("notifier_contact", sa.String(length=300), nullable=False),
        sa.Column("flagger", sa.String(length=64), nullable=True),
        sa.Column("elements", sa.Text(), nullable=False),
        sa.Column("missing", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("counter_notice", sa.Text(), nullable=True),
        sa.Column("restore_not_before", sa.BigInteger(), nullable=True),
        sa.Column("restore_not_after", sa.BigInteger(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("puid", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        sa.UniqueConstraint("puid", name=op.f("uq_cases_puid")),
    )
    op.create_index(op.f("ix_cases_fingerprint"), "cases", ["fingerprint"], unique=False)
    op.create_index(op.f("ix_cases_state"), "cases", ["state"], unique=False)


def _create_account_restrictions() -> None:
    op.create_table(
        "account_restrictions",
        sa.Column("user_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_account_restrictions")),
    )


def _create_appeals() -> None:
    op.create_table(
        "appeals",
        sa.Column("appeal_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("appellant_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("appeal_id", name=op.f("pk_appeals")),
    )
    op.create_index(op.f("ix_appeals_case_id"), "appeals", ["case_id"], unique=False)


def _create_audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("entry_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_audit_log")),
    )


def _create_blocked_contents() -> None:
    op.create_table(
        "blocked_contents",
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_blocked_contents")),
    )
    op.create_index(
        op.f("ix_blocked_contents_case_id"), "blocked_contents", ["case_id"], unique=False
    )


def _create_blocked_links() -> None:
    op.create_table(
        "blocked_links",
        sa.Column("link_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_blocked_links")),
    )
    op.create_index(op.f("ix_blocked_links_case_id"), "blocked_links", ["case_id"], unique=False)


def _create_evidence() -> None:
    op.create_table(
        "evidence",
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("matched", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_evidence")),
    )
    op.create_index(op.f("ix_evidence_expires_at"), "evidence", ["expires_at"], unique=False)


def _create_operator_tokens() -> None:
    op.create_table(
        "operator_tokens",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("revoked", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_operator_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_operator_tokens_token_hash")),
    )


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("message_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("channel", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_outbox")),
    )


def _create_strikes() -> None:
    op.create_table(
        "strikes",
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("user_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "user_id", name=op.f("pk_strikes")),
    )
    op.create_index("ix_strikes_user", "strikes", ["user_id"], unique=False)


def _create_case_links() -> None:
    op.create_table(
        "case_links",
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("link_id", sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.case_id"],
            name=op.f("fk_case_links_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "link_id", name=op.f("pk_case_links")),
    )
    op.create_index("ix_case_links_link", "case_links", ["link_id"], unique=False)


def _create_case_subjects() -> None:
    op.create_table(
        "case_subjects",
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("user_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.case_id"],
            name=op.f("fk_case_subjects_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "user_id", name=op.f("pk_case_subjects")),
    )
    op.create_index("ix_case_subjects_user", "case_subjects", ["user_id"], unique=False)
