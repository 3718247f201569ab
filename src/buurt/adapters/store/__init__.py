"""The SQL store: tables, the mapping of domain entities onto them, the unit of work, and the
Alembic migrations that SQLite and PostgreSQL share."""

from buurt.adapters.store.claims import SqlDeliveryClaims
from buurt.adapters.store.database import create_database_engine
from buurt.adapters.store.migrate import current_revision, upgrade
from buurt.adapters.store.uow import SqlUnitOfWork, sql_unit_of_work_factory

__all__ = [
    "SqlDeliveryClaims",
    "SqlUnitOfWork",
    "create_database_engine",
    "current_revision",
    "sql_unit_of_work_factory",
    "upgrade",
]
