"""Options several commands share."""

from __future__ import annotations

from typing import Annotated

import typer

from buurt.config import Settings

DatabaseOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: BUURT_DATABASE_URL or sqlite:///buurt.db)."),
]


def settings_with(database: str | None = None, **overrides: object) -> Settings:
    settings = Settings()
    values = {k: v for k, v in overrides.items() if v is not None}
    if database:
        values["database_url"] = database
    return settings.model_copy(update=values)
