"""Settings of the instances tests build, in one place."""

from __future__ import annotations

from typing import Any

from buurt.config import Settings


def settings_for(database_url: str, **options: Any) -> Settings:
    """Settings for a test's instance on ``database_url``.

    argon2's cheapest profile (the default one spends most of a test hashing passwords), and
    no periodic upkeep unless asked for: a test that wants it runs it itself, on its clock.
    """
    defaults: dict[str, Any] = {"password_profile": "CHEAPEST", "maintenance_interval_seconds": 0}
    return Settings(database_url=database_url, **{**defaults, **options})
