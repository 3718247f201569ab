"""The ``buurt`` command: ``serve``, ``demo``, ``db``, ``admin`` and friends."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

import buurt
from buurt.cli import admin, bench, db, maintenance, serve, simulate
from buurt.domain.errors import DomainError

app = typer.Typer(
    name="buurt",
    help="Buurt: real-time business moments for a neighbourhood.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(bench.app, name="bench")
app.add_typer(admin.app, name="admin")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("maintenance")(maintenance.maintenance)
app.command("simulate")(simulate.simulate)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"buurt {buurt.__version__}")
        raise typer.Exit


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Buurt: real-time business moments for a neighbourhood."""


def main() -> None:
    """Run the CLI; a refused request is a one-line message and exit status 1, not a traceback."""
    try:
        app()
    except DomainError as error:
        Console(stderr=True).print(f"[red]{error.title}:[/red] {error.detail}")
        sys.exit(1)
