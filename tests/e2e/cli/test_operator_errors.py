"""Mistakes in how Buurt is started, as an operator makes them: the real ``buurt`` answers in
a line or two that name the option and the fix, with an exit code per kind, never a traceback.
Each refusal has a control beside it that the same command, rightly started, works."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from buurt.cli.errors import ExitCode
from tests.servers import PostgresServer, buurt_command, free_port

DB = "--db / BUURT_DATABASE_URL"


def buurt(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[int, str]:
    """Run the installed ``buurt``; its exit code and what it printed (stdout and stderr)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BUURT_")}
    environment.update({"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})
    result = subprocess.run(
        [*buurt_command(), *args], capture_output=True, text=True, timeout=120, cwd=cwd,
        stdin=subprocess.DEVNULL, env=environment,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def assert_refused(output: str, code: int, expected: ExitCode, *words: str) -> None:
    assert code == expected, output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) <= 2, output
    for word in words:
        assert word in output


@pytest.mark.parametrize(
    ("url", "expected", "words"),
    [
        ("mysql://root:hunter2@db/buurt", ExitCode.DATABASE_URL, ("mysql://", "postgresql://")),
        ("buurt.db", ExitCode.DATABASE_URL, ("not a database URL", "sqlite:///buurt.db")),
        (
            "sqlite:///no/such/folder/buurt.db",
            ExitCode.DATABASE_FOLDER,
            ("mkdir -p no/such/folder",),
        ),
    ],
    ids=["unknown scheme", "no scheme", "sqlite folder missing"],
)
def test_a_database_url_that_cannot_work_is_named_with_its_fix(
    tmp_path: Path, url: str, expected: ExitCode, words: tuple[str, ...]
) -> None:
    code, output = buurt("db", "upgrade", "--db", url, cwd=tmp_path)

    assert_refused(output, code, expected, DB, *words)
    assert "hunter2" not in output  # a password in the URL is not printed back
    assert list(tmp_path.iterdir()) == []  # nothing was created
    # The control: the same command with a file in an existing folder works.
    (tmp_path / "no").mkdir()
    assert buurt("db", "upgrade", "--db", "sqlite:///buurt.db", cwd=tmp_path)[0] == 0


def test_the_environment_variable_is_checked_as_the_option_is(tmp_path: Path) -> None:
    code, output = buurt("admin", "list", "circles", env={"BUURT_DATABASE_URL": "ftp://x/y"})

    assert_refused(output, code, ExitCode.DATABASE_URL, DB, "ftp://")


def test_an_unreachable_postgresql_says_so(postgres_server: PostgresServer) -> None:
    closed = free_port()  # nothing listens there
    code, output = buurt("db", "upgrade", "--db", f"postgresql://postgres@127.0.0.1:{closed}/x")

    assert_refused(output, code, ExitCode.DATABASE_UNREACHABLE, DB, str(closed), "server running")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_every_postgresql_url_form_is_accepted(
    postgres_server: PostgresServer, scheme: str
) -> None:
    name = postgres_server.create_database()
    try:
        url = f"{scheme}://postgres@127.0.0.1:{postgres_server.port}/{name}"
        code, output = buurt("db", "upgrade", "--db", url)
    finally:
        postgres_server.drop_database(name)

    assert code == 0, output
    assert "Schema at revision" in output


@pytest.mark.parametrize(
    ("args", "env", "rule"),
    [
        (["--port", "70000"], {}, "less than or equal to 65535"),
        (["--port", "0"], {}, "greater than or equal to 1"),
        ([], {"BUURT_PORT": "65536"}, "less than or equal to 65535"),
    ],
    ids=["option above", "option zero", "environment above"],
)
def test_a_port_out_of_range_is_refused_before_anything_starts(
    tmp_path: Path, args: list[str], env: dict[str, str], rule: str
) -> None:
    code, output = buurt("serve", "--db", "sqlite:///buurt.db", *args, env=env, cwd=tmp_path)

    assert_refused(output, code, ExitCode.SETTING, "--port / BUURT_PORT", rule)
    assert not (tmp_path / "buurt.db").exists()


def test_a_port_in_use_is_found_before_migrating(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", port))
        other_program.listen()
        code, output = buurt(
            "serve", "--db", "sqlite:///buurt.db", "--port", str(port), cwd=tmp_path
        )

    assert_refused(output, code, ExitCode.PORT_IN_USE, "--port / BUURT_PORT", f"127.0.0.1:{port}")
    assert not (tmp_path / "buurt.db").exists()  # refused before the database was touched


def test_a_host_that_is_not_this_machines_is_named(tmp_path: Path) -> None:
    # 192.0.2.1 is TEST-NET-1: never an address of this machine; binding sends nothing.
    args = ["serve", "--db", "sqlite:///buurt.db", "--port", str(free_port())]
    code, output = buurt(*args, "--host", "192.0.2.1", cwd=tmp_path)

    assert_refused(output, code, ExitCode.SETTING, "--host / BUURT_HOST", "192.0.2.1")
    assert not (tmp_path / "buurt.db").exists()


def test_an_mqtt_broker_that_is_away_is_named(tmp_path: Path) -> None:
    closed = free_port()  # no broker there
    args = ["serve", "--db", "sqlite:///buurt.db", "--port", str(free_port())]

    code, output = buurt(*args, "--mqtt", f"mqtt://gw:pw@127.0.0.1:{closed}", cwd=tmp_path)
    assert_refused(output, code, ExitCode.MQTT_UNREACHABLE, "--mqtt / BUURT_MQTT_URL", str(closed))
    assert "pw@" not in output  # the broker password is not printed
    code, output = buurt(*args, "--mqtt", "mqtt://gw:pw@127.0.0.1:99999", cwd=tmp_path)
    assert_refused(output, code, ExitCode.REFUSED, "MQTT URL", "65535")


def test_bench_postgis_takes_the_url_form_db_takes(postgres_server: PostgresServer) -> None:
    name = postgres_server.create_database()
    try:
        url = postgres_server.url(name)  # postgresql+psycopg://..., as --db takes it
        assert url.startswith("postgresql+psycopg://")
        small = ["--subscriptions", "200", "--events", "50", "--json"]
        code, output = buurt("bench", "engine", "--postgis", url, *small)
    finally:
        postgres_server.drop_database(name)

    assert code == 0, output
    assert '"postgis"' in output


def test_bench_postgis_names_its_own_option(postgres_server: PostgresServer) -> None:
    closed = free_port()
    unreachable = f"postgresql+psycopg://postgres@127.0.0.1:{closed}/x"

    code, output = buurt("bench", "engine", "--postgis", unreachable)
    assert_refused(output, code, ExitCode.DATABASE_UNREACHABLE, "--postgis:", str(closed))
    code, output = buurt("bench", "engine", "--postgis", "sqlite:///bench.db")
    assert_refused(output, code, ExitCode.DATABASE_URL, "--postgis:", "PostgreSQL")


def test_flags_show_no_value_placeholder() -> None:
    code, output = buurt("admin", "token", "issue", "--help")

    assert code == 0, output
    assert "--json " in output  # the control: the flags are there
    assert "<bool>" not in output
    assert "<bool>" not in buurt("--help")[1]
