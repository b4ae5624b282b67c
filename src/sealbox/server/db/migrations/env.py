# SPDX-License-Identifier: AGPL-3.0-or-later
"""Alembic environment: migrations run on a connection handed over by sealbox.server.db.migrate."""

from alembic import context

from sealbox.server.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
