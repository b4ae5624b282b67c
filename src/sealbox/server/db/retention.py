# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the retention job asks of the database (docs/data-inventory.md, "Retention rules")."""

from sqlalchemy import Connection, select

from sealbox.server.db.compliance_tables import account_restrictions, cases
from sealbox.server.db.schema import accounts


def closed_accounts_due(conn: Connection, cutoff: int) -> list[bytes]:
    """Accounts closed (abuse, spec/compliance.md §7) whose closing case last changed at or
    before ``cutoff`` and that still exist. An appeal decided later moves the case and so
    restarts the period: the period never runs short."""
    query = (
        select(account_restrictions.c.user_id)
        .join(cases, cases.c.case_id == account_restrictions.c.case_id)
        .join(accounts, accounts.c.user_id == account_restrictions.c.user_id)
        .where((account_restrictions.c.status == "closed") & (cases.c.changed_at <= cutoff))
        .order_by(account_restrictions.c.user_id)
    )
    found: list[bytes] = list(conn.execute(query).scalars())
    return [bytes(user_id) for user_id in found]
