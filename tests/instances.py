"""Settings of the instances tests build, in one place."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from buurt.config import Settings

# The folders of a test process's instances live in one folder, removed when the process ends
# (a suite run made thousands, and left them behind).
_FOLDERS = tempfile.TemporaryDirectory(prefix="buurt-tests-")


def settings_for(database_url: str, **options: Any) -> Settings:
    """Settings for a test's instance on ``database_url``.

    argon2's cheapest profile (the default one spends most of a test hashing passwords), and
    no periodic upkeep unless asked for: a test that wants it runs it itself, on its clock.
    """
    defaults: dict[str, Any] = {
        "password_profile": "CHEAPEST",
        "maintenance_interval_seconds": 0,
        # Mail of a test stays with the test (tests/mail.py has a real SMTP server).
        "mail_folder": Path(tempfile.mkdtemp(prefix="mail-", dir=_FOLDERS.name)),
        "media_folder": Path(tempfile.mkdtemp(prefix="media-", dir=_FOLDERS.name)),
    }
    return Settings(database_url=database_url, **{**defaults, **options})
