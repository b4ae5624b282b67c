# SPDX-License-Identifier: AGPL-3.0-or-later
"""The queries the probes and the metrics scrape ask of the database."""

from sqlalchemy import Engine, func, select, text

from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import uploads


def ping(engine: Engine) -> None:
    """One round trip to the database; raises when it does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def count_open_uploads(engine: Engine) -> int:
    """Uploads in the shared database, so every server reports the same service-wide figure."""
    with read_only(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(uploads)).scalar_one())
