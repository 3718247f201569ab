"""Documentation is tested: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from buurt.cli import app
from buurt.config import Settings

DOCS = Path(__file__).parents[2] / "docs"


def _text() -> str:
    return "\n".join(page.read_text() for page in DOCS.rglob("*.md"))


def test_every_setting_is_documented() -> None:
    operations = (DOCS / "operations.md").read_text()
    for name in Settings.model_fields:
        assert f"BUURT_{name.upper()}" in operations, f"BUURT_{name.upper()} is undocumented"


def _commands(group: typer.Typer, prefix: str) -> list[str]:
    command = typer.main.get_command(group)
    names = []
    for name, sub in getattr(command, "commands", {}).items():
        names.append(f"{prefix} {name}")
        names += [f"{prefix} {name} {s}" for s in getattr(sub, "commands", {})]
    return names


def test_every_command_is_documented() -> None:
    text = _text()
    for command in _commands(app, "buurt"):
        group, _, last = command.rpartition(" ")
        assert command in text or (group in text and last in text), f"{command!r} is undocumented"
