"""The ``buurt`` command: ``serve``, ``demo``, ``db``, ``admin`` and friends."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

import buurt
from buurt.adapters.store import DatabaseError
from buurt.cli import admin, bench, db, maintenance, serve, simulate, worker
from buurt.cli.errors import ExitCode, OperatorError, from_database
from buurt.cli.options import command_group
from buurt.domain.errors import DomainError

app = command_group(
    "Buurt: real-time business moments for a neighbourhood.",
    name="buurt",
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(admin.app, name="admin")
app.add_typer(bench.app, name="bench")
app.add_typer(admin.app, name="admin")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("maintenance")(maintenance.maintenance)
app.command("simulate")(simulate.simulate)
app.command("worker")(worker.worker)


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
    """Run the CLI; a refused request or a mistake in a setting is a message of a line or two
    and an exit status of its own (``cli.errors.ExitCode``), not a traceback."""
    console = Console(stderr=True, highlight=False)
    try:
        app()
    except DomainError as error:
        console.print(f"[red]{error.title}:[/red] {escape(error.detail)}")
        sys.exit(ExitCode.REFUSED)
    except (OperatorError, DatabaseError) as caught:
        problem = caught if isinstance(caught, OperatorError) else from_database(caught)
        console.print(f"[red]{problem.option}[/red]: {escape(problem.message)}")
        sys.exit(problem.code)
