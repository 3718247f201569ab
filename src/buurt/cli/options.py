"""Options several commands share."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from buurt.cli.errors import from_settings
from buurt.config import Settings

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL (default: BUURT_DATABASE_URL or sqlite:///buurt.db).",
    ),
]


def settings_with(database: str | None = None, **overrides: object) -> Settings:
    """The environment's settings with the command line's over them, each one validated
    (``OperatorError`` names the first refused one)."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if database:
        values["database_url"] = database
    try:
        return Settings(**values)  # type: ignore[arg-type]  # fields by name, checked here
    except ValidationError as error:
        raise from_settings(error) from None


def command_group(help_text: str, **options: Any) -> typer.Typer:
    """A group of commands with click's plain help. Typer's rich help prints ``<bool>`` after
    every flag (``--help``, ``--json``), as if the flag took a value; the plain one does not."""
    return typer.Typer(help=help_text, no_args_is_help=True, rich_markup_mode=None, **options)
