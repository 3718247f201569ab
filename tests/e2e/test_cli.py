"""The ``buurt`` command as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import typer.main
from typer.testing import CliRunner

import buurt
from buurt.cli import app
from tests.servers import buurt_command, running_buurt


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``buurt`` and insist that it succeeds."""
    result = subprocess.run(
        [*buurt_command(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        # A wide terminal keeps rich from wrapping the output mid-word in the assertions.
        env={**_environment(), "COLUMNS": "200", "NO_COLOR": "1", **(env or {})},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _environment() -> dict[str, str]:
    # BUURT_ settings from the developer's shell must not leak into what is tested.
    return {k: v for k, v in os.environ.items() if not k.startswith("BUURT_")}


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    # Walks the command tree, so a command added later is covered without touching this file.
    # (Typer bundles its own copy of click, hence duck typing rather than click.Group.)
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        if not sub.hidden:
            yield from _command_paths(sub, (*path, name))


COMMANDS = list(_command_paths(typer.main.get_command(app)))


def test_version_prints_the_package_version() -> None:
    assert run("--version").stdout.strip() == f"buurt {buurt.__version__}"


def test_the_console_script_prints_help() -> None:
    assert "Usage: buurt" in run("--help").stdout


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "buurt" for p in COMMANDS])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    # In-process: one subprocess per command would spend seconds importing the same modules.
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert result.exception is None


def test_the_known_commands_are_there() -> None:
    assert {("serve",), ("demo",), ("db",), ("db", "upgrade"), ("db", "current")} <= set(COMMANDS)


def test_an_unknown_command_fails_with_a_message() -> None:
    result = CliRunner().invoke(app, ["no-such-command"])

    assert result.exit_code == 2
    assert "No such command" in result.output


def test_db_upgrade_then_current_reports_the_head_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'buurt.db'}"

    # The first call takes the database from the environment, as a deployment would.
    before = run("db", "current", env={"BUURT_DATABASE_URL": url})
    upgraded = run("db", "upgrade", "--db", url)
    current = run("db", "current", "--db", url)

    assert "empty" in before.stdout
    revision = current.stdout.strip()
    assert revision
    assert "empty" not in revision
    assert revision in upgraded.stdout


def test_serve_answers_health_checks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'buurt.db'}"

    with running_buurt(url, tmp_path / "serve.log") as server:
        response = httpx2.get(f"{server.base_url}/healthz")
        docs = httpx2.get(f"{server.base_url}/openapi.json")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert docs.status_code == 200
    assert docs.json()["info"]["title"] == "Buurt API"
