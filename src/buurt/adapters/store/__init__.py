"""The SQL store: tables, the mapping of domain entities onto them, the unit of work, and the
Alembic migrations that SQLite and PostgreSQL share."""

from buurt.adapters.store.claims import SqlDeliveryClaims
from buurt.adapters.store.database import (
    DatabaseError,
    DatabaseFolderMissing,
    DatabaseUnreachable,
    UnknownDatabaseUrl,
    check_reachable,
    create_database_engine,
    database_url,
    libpq_url,
)
from buurt.adapters.store.migrate import current_revision, upgrade
from buurt.adapters.store.outbox import OutboxMessage, SqlOutbox
from buurt.adapters.store.uow import SqlUnitOfWork, sql_unit_of_work_factory

__all__ = [
    "DatabaseError",
    "DatabaseFolderMissing",
    "DatabaseUnreachable",
    "OutboxMessage",
    "SqlDeliveryClaims",
    "SqlOutbox",
    "SqlUnitOfWork",
    "UnknownDatabaseUrl",
    "check_reachable",
    "create_database_engine",
    "current_revision",
    "database_url",
    "libpq_url",
    "sql_unit_of_work_factory",
    "upgrade",
]
