"""Alembic environment: runs migrations on the engine the caller hands over."""

from alembic import context

from buurt.adapters.store.mapping import TABLE_OF
from buurt.adapters.store.tables import metadata

assert TABLE_OF  # importing the mapping registers every table module's tables on `metadata`

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
