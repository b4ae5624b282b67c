# SPDX-License-Identifier: AGPL-3.0-or-later
"""The counts of the transparency log's daily ``census`` entry (spec/transparency.md): how many
accounts are open, file nodes stored and links enabled. Counts only, never a row."""

from sqlalchemy import and_, exists, func, select

from sealbox.server.db.compliance_tables import account_restrictions, blocked_links
from sealbox.server.db.engine import Connection
from sealbox.server.db.schema import accounts, links, nodes


def census(conn: Connection) -> dict[str, int]:
    """What the daily census entry counts: open accounts, stored file nodes, enabled links."""
    restricted = exists().where(
        and_(
            account_restrictions.c.user_id == accounts.c.user_id,
            account_restrictions.c.status == "closed",
        )
    )
    blocked = exists().where(blocked_links.c.link_id == links.c.link_id)
    count = func.count()
    return {
        "accounts": conn.execute(
            select(count).select_from(accounts).where(~restricted)
        ).scalar_one(),
        "files": conn.execute(
            select(count).select_from(nodes).where(nodes.c.node_type == "file")
        ).scalar_one(),
        "links": conn.execute(select(count).select_from(links).where(~blocked)).scalar_one(),
    }
