"""The ``buurt`` command: ``serve``, ``demo``, ``db`` and friends."""

from __future__ import annotations

from typing import Annotated

import typer

import buurt
from buurt.cli import db, serve

app = typer.Typer(
    name="buurt",
    help="Buurt: real-time business moments for a neighbourhood.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)


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
    app()
