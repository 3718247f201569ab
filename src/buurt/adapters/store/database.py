"""Creating database engines with the settings durability needs, from the one URL form.

Every database URL Buurt takes (``--db``, ``BUURT_DATABASE_URL``, ``bench --postgis``) is
read by ``database_url``: ``sqlite:///path``, or PostgreSQL as ``postgresql://``,
``postgres://`` (as libpq and most tools write it) or ``postgresql+psycopg://``. What is
wrong with one is a ``DatabaseError``, worded for the person who typed it:

DatabaseError
├── UnknownDatabaseUrl      not a URL, or a scheme Buurt does not speak
├── DatabaseFolderMissing   an SQLite file in a folder that does not exist
└── DatabaseUnreachable     the server refuses, is away, or the file cannot be opened
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

# The schemes accepted for PostgreSQL, all read as psycopg 3.
POSTGRES_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg"}


class DatabaseError(Exception):
    """A database URL that cannot be used; the message says why and what to do."""


class UnknownDatabaseUrl(DatabaseError):
    pass


class DatabaseFolderMissing(DatabaseError):
    pass


class DatabaseUnreachable(DatabaseError):
    pass


def database_url(url: str) -> URL:
    """``url`` in the one form the engines take; ``UnknownDatabaseUrl`` when it is none of
    the accepted forms."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnknownDatabaseUrl(
            f"{_safe(url)!r} is not a database URL; write sqlite:///buurt.db or "
            "postgresql://user:password@host/database"
        ) from None
    if parsed.drivername in POSTGRES_SCHEMES:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername == "sqlite":
        return parsed
    raise UnknownDatabaseUrl(
        f"{parsed.drivername}:// is not a database Buurt uses; write sqlite:///buurt.db "
        "or postgresql://user:password@host/database"
    )


def libpq_url(url: str) -> str:
    """A PostgreSQL URL in any accepted form, as libpq (``psycopg.connect``) reads it."""
    parsed = database_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise UnknownDatabaseUrl("this needs PostgreSQL: postgresql://user:password@host/db")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _safe(url: str) -> str:
    """The URL without what could be a password (``user:secret@``)."""
    scheme, found, rest = url.partition("://")
    if found and "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + found + rest


def check_reachable(engine: Engine) -> None:
    """Connect once; ``DatabaseUnreachable`` with the driver's first line when that fails."""
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        where = engine.url.render_as_string(hide_password=True)
        hint = (
            "is the server running, and are the URL's host, port, user and password right?"
            if engine.url.get_backend_name() == "postgresql"
            else "can this user read and write the file and its folder?"
        )
        raise DatabaseUnreachable(f"cannot connect to {where}: {reason}\n{hint}") from None


def create_database_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url`` (any accepted form); SQLite files run in WAL mode with
    ``synchronous=FULL``.

    ``synchronous=FULL`` is what makes an acknowledged write survive a power cut in WAL mode;
    foreign keys are off by default in SQLite and on here. Nothing connects yet: see
    ``check_reachable``.
    """
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, **options)

    engine = create_engine(parsed, connect_args={"check_same_thread": False}, **options)
    in_memory = parsed.database in (None, "", ":memory:")
    if not in_memory and not str(parsed.database).startswith("file:"):
        folder = Path(str(parsed.database)).parent
        if not folder.is_dir():
            raise DatabaseFolderMissing(
                f"the folder {str(folder)!r} of the SQLite file does not exist; "
                f"create it (mkdir -p {folder}) or name a file in an existing folder"
            )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return engine
