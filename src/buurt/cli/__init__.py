"""The ``buurt`` command line: thin Typer commands, one module per group."""

from buurt.cli.main import app, main

__all__ = ["app", "main"]
