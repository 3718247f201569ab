"""One form for every database URL option: what ``database_url`` and ``libpq_url`` accept,
and how they refuse what they do not (without echoing a password)."""

from __future__ import annotations

from pathlib import Path

import pytest

from buurt.adapters.store import (
    DatabaseFolderMissing,
    UnknownDatabaseUrl,
    create_database_engine,
    database_url,
    libpq_url,
)


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_every_postgresql_spelling_is_read_as_psycopg(scheme: str) -> None:
    url = f"{scheme}://bo:s3cret@db.example:5433/buurt?sslmode=require"

    assert database_url(url).drivername == "postgresql+psycopg"
    assert libpq_url(url) == "postgresql://bo:s3cret@db.example:5433/buurt?sslmode=require"


def test_sqlite_urls_stay_as_they_are() -> None:
    assert database_url("sqlite:///buurt.db").database == "buurt.db"
    assert database_url("sqlite://").database is None


@pytest.mark.parametrize(
    "url",
    ["mysql://root:hunter2@db/buurt", "postgresql+asyncpg://u:hunter2@h/d", "buurt.db", ""],
)
def test_other_urls_are_refused_without_their_password(url: str) -> None:
    with pytest.raises(UnknownDatabaseUrl) as refused:
        database_url(url)

    assert "hunter2" not in str(refused.value)
    assert "postgresql://" in str(refused.value)  # the fix: a form that works


def test_libpq_needs_postgresql() -> None:
    with pytest.raises(UnknownDatabaseUrl, match="PostgreSQL"):
        libpq_url("sqlite:///buurt.db")


def test_an_sqlite_file_needs_its_folder(tmp_path: Path) -> None:
    with pytest.raises(DatabaseFolderMissing, match="mkdir -p"):
        create_database_engine(f"sqlite:///{tmp_path / 'missing' / 'buurt.db'}")

    # The control: in a folder that exists, the engine is made (no file is opened yet).
    create_database_engine(f"sqlite:///{tmp_path / 'buurt.db'}").dispose()
    assert not (tmp_path / "buurt.db").exists()
