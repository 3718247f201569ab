"""Documentation is tested: every setting, every CLI command and every endpoint is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from buurt.bootstrap import assemble
from buurt.cli import app
from buurt.config import Settings
from buurt.testing import MemoryStore
from buurt.web.app import create_app

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


def _operations() -> list[str]:
    """Every operation of the HTTP API as docs/api.md writes it: ``GET /v1/things/{thing_id}``.

    The app is built on the memory store: routes and schemas need no database.
    """
    document = create_app(assemble(Settings(), MemoryStore())).openapi()
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    ]


def test_every_endpoint_is_documented() -> None:
    text = _text()
    operations = _operations()
    assert "GET /healthz" in operations  # the document was read, not an empty list
    missing = [operation for operation in operations if f"`{operation}`" not in text]
    assert not missing, f"undocumented endpoints (see the top of docs/api.md): {missing}"
