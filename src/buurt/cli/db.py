"""``buurt db``: apply and inspect the schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from buurt.adapters.store import create_database_engine, current_revision, upgrade
from buurt.cli.options import DatabaseOption, settings_with

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
console = Console()


@app.command("upgrade")
def upgrade_command(db: DatabaseOption = None) -> None:
    """Apply every pending migration."""
    settings = settings_with(db)
    engine = create_database_engine(settings.database_url)
    try:
        upgrade(engine)
        console.print(f"[green]Schema at revision {current_revision(engine)}[/green]")
    finally:
        engine.dispose()


@app.command("current")
def current_command(db: DatabaseOption = None) -> None:
    """Print the schema revision the database is at."""
    settings = settings_with(db)
    engine = create_database_engine(settings.database_url)
    try:
        console.print(current_revision(engine) or "empty (no migrations applied)")
    finally:
        engine.dispose()
