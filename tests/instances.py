"""Settings of the instances tests build, in one place."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from buurt.config import Settings


def settings_for(database_url: str, **options: Any) -> Settings:
    """Settings for a test's instance on ``database_url``.

    argon2's cheapest profile (the default one spends most of a test hashing passwords), and
    no periodic upkeep unless asked for: a test that wants it runs it itself, on its clock.
    """
    defaults: dict[str, Any] = {
        "password_profile": "CHEAPEST",
        "maintenance_interval_seconds": 0,
        # Mail of a test stays with the test (tests/mail.py has a real SMTP server).
        "mail_folder": Path(tempfile.mkdtemp(prefix="buurt-mail-")),
        "media_folder": Path(tempfile.mkdtemp(prefix="buurt-media-")),
    }
    return Settings(database_url=database_url, **{**defaults, **options})
