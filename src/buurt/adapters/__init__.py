"""Adapters: the ports implemented on real technology.

``store`` is SQLAlchemy 2 on SQLite or PostgreSQL with Alembic migrations. Adapters import the
domain and the ports, never the services, web or CLI.
"""
