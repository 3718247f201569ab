"""``buurt db``: apply and inspect the schema migrations."""

from __future__ import annotations

from rich.console import Console

from buurt.adapters.store import (
    check_reachable,
    create_database_engine,
    current_revision,
    upgrade,
)
from buurt.cli.options import DatabaseOption, command_group, settings_with

app = command_group("Manage the database schema.")
console = Console()


@app.command("upgrade")
def upgrade_command(db: DatabaseOption = None) -> None:
    """Apply every pending migration."""
    settings = settings_with(db)
    engine = create_database_engine(settings.database_url)
    try:
        check_reachable(engine)
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
        check_reachable(engine)
        console.print(current_revision(engine) or "empty (no migrations applied)")
    finally:
        engine.dispose()
