# SPDX-License-Identifier: AGPL-3.0-or-later
"""The register of requests for user data and the preservation holds (spec/compliance.md §12),
on the schema's metadata. What the requester declared, the operator's answer and the times; no
content, no key, no address."""

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, String, Table, Text

from sealbox.server.db.schema import metadata

ID = 16

data_requests = Table(
    "data_requests",
    metadata,
    Column("request_id", LargeBinary(ID), primary_key=True),
    # law_enforcement, court_order, emergency, private, dsa_order
    Column("type", String(16), nullable=False),
    Column("country", String(2), nullable=False),
    Column("authority", String(300), nullable=False),
    Column("instrument", String(300), nullable=False),
    Column("offence", String(24), nullable=False),
    Column("data_asked", Text, nullable=False),
    # The account the request names, if it names one of ours.
    Column("user_id", LargeBinary(ID), nullable=True, index=True),
    Column("court_order", Integer, nullable=False),
    Column("emergency_grounds", Text, nullable=False),
    Column("state", String(12), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("validated_at", BigInteger, nullable=True),
    # gag or court_delay, and when it ends
    Column("restraint", String(12), nullable=True),
    Column("restraint_until", BigInteger, nullable=True),
    Column("notice_due_at", BigInteger, nullable=True, index=True),
    Column("notified_at", BigInteger, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("data_disclosed", Text, nullable=False),
    Column("answered_at", BigInteger, nullable=True),
)

preservation_holds = Table(
    "preservation_holds",
    metadata,
    # While in force, nothing the server holds about the account is erased.
    Column("hold_id", LargeBinary(ID), primary_key=True),
    Column("user_id", LargeBinary(ID), nullable=False, index=True),
    Column("request_id", LargeBinary(ID), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
    Column("renewals", Integer, nullable=False),
    Column("released_at", BigInteger, nullable=True),
)
