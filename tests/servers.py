"""Real servers for the tests: PostgreSQL (with PostGIS) and ``buurt serve`` as subprocesses.

Each server gets a free loopback port and a scratch directory of its own, and is stopped by the
context manager that started it. Under pytest-xdist every worker starts its own servers (session
fixtures are per worker), on ports from its own share (``free_port``). ``scripts/test``
installs the Debian packages these need.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from buurt.bench.processes import stopped_at_exit, wait_for

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
MISSING_SERVER_HINT = "run ./scripts/test once as root: it installs them"


class ServerError(RuntimeError):
    """A server did not start; the message carries the end of its log."""


# Ports for the servers the tests start. Below Linux's ephemeral range (32768-60999), from which
# the kernel picks the local port of every outgoing connection and of a bind to port 0, so no
# client socket takes one between our check and the server's own bind.
PORTS = range(20000, 32768)
_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port that was free a moment ago, never the same one twice in a process.

    Under pytest-xdist each worker draws from its own share of ``PORTS`` (``gw0`` the first,
    ``gw1`` the next, ...), so two workers never start servers on the same port; the draw
    starts at a random place in the share, so two runs side by side rarely try the same one.
    """
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) % workers if worker.isdigit() else 0
    size = len(PORTS) // workers
    first = PORTS.start + index * size
    start = random.randrange(size)
    for step in range(size):
        port = first + (start + step) % size
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise ServerError(f"no free port in {first}..{first + size - 1}")


def scratch_dir(prefix: str) -> Path:
    """A directory under /tmp that the postgres user can enter (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _as_postgres_user() -> dict[str, Any]:
    # PostgreSQL refuses to run as root; as root we start it as the Debian package's user.
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


@dataclass
class PostgresServer:
    """A running PostgreSQL; databases are made from templates with ``create_database``."""

    port: int
    root: Path
    process: subprocess.Popen[bytes]
    _names: Iterator[int] = field(default_factory=itertools.count)
    _admin: psycopg.Connection[Any] | None = None
    _cleaners: dict[str, psycopg.Connection[Any]] = field(default_factory=dict)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        )

    def create_database(self, template: str | None = None, *, name: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); returns its name."""
        name = name or f"test_{os.getpid()}_{next(self._names)}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            # The default WAL_LOG strategy, not FILE_COPY: FILE_COPY forces a checkpoint, which
            # also has to unlink the files of the database the previous test dropped, and took
            # 0.3 s instead of 0.05 s per database in our measurements.
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self._administer(statement)
        return name

    def drop_database(self, name: str) -> None:
        # FORCE ends connections a test left open (a leaked engine must not fail the next test).
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        self._administer(statement)

    def empty_database(self, name: str, tables: Sequence[str]) -> None:
        """Delete every row of ``tables`` (give children before parents) in one transaction,
        after ending the connections a test left open, so none can hold a lock or see a row.

        A few milliseconds, where a new database costs 0.05 to 0.5 s on a busy machine.
        """
        cleaner = self._cleaners.get(name)
        if cleaner is None or cleaner.closed:
            cleaner = self._cleaners[name] = self.connect(name)
        cleaner.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with cleaner.transaction():
            for table in tables:
                cleaner.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))

    def close(self) -> None:
        for connection in [self._admin, *self._cleaners.values()]:
            if connection is not None:
                connection.close()
        self._admin = None
        self._cleaners.clear()

    def _administer(self, statement: sql.Composed) -> None:
        # One connection for every CREATE/DROP DATABASE: a new backend per test costs more
        # than the statement itself.
        if self._admin is None or self._admin.closed:
            self._admin = self.connect()
        self._admin.execute(statement)


def postgres_missing() -> str | None:
    """Why PostgreSQL with PostGIS cannot be started here, or None when it can."""
    for needed in (PG_BIN / "postgres", PG_BIN / "initdb", POSTGIS_CONTROL):
        if not needed.exists():
            return f"{needed} is missing (Debian packages postgresql-15, postgresql-15-postgis-3)"
    return None


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """PostgreSQL 15 in a scratch directory, stopped and removed on exit.

    Durability settings are off (fsync, full-page writes): the data is thrown away at the end,
    and every ``CREATE DATABASE`` and commit gets cheaper for it.
    """
    root = scratch_dir("buurt-pg-")
    as_postgres = _as_postgres_user()
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    log = root / "postgres.log"
    port = free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        initdb: list[str | Path] = [
            PG_BIN / "initdb",
            "-D",
            root / "data",
            "-U",
            "postgres",
            "-A",
            "trust",
        ]
        initdb += ["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        subprocess.run(initdb, check=True, cwd=root, capture_output=True, **as_postgres)
        settings = {
            "listen_addresses": "127.0.0.1",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        with log.open("wb") as log_file:
            # The binary in the foreground, not pg_ctl: the PID we hold is the postmaster itself.
            process = subprocess.Popen(
                [PG_BIN / "postgres", "-D", root / "data", "-p", str(port), "-k", root, *options],
                cwd=root,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                **as_postgres,
            )
        server = PostgresServer(port=port, root=root, process=process)
        _wait_for_postgres(server, log)
        try:
            yield server
        finally:
            server.close()
    finally:
        if process is not None:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: roll back and stop
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_postgres(server: PostgresServer, log: Path, timeout: float = 30.0) -> None:
    # An open port does not mean queries are accepted yet: retry real connections.
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise ServerError(f"postgres exited with {server.process.returncode}:\n{_tail(log)}")
        try:
            server.connect().close()
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise ServerError(f"postgres did not accept connections:\n{_tail(log)}") from None
            time.sleep(0.05)
        else:
            return


def buurt_command() -> list[str]:
    """The installed ``buurt`` console script next to this Python, else the same entry point."""
    script = shutil.which("buurt", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "from buurt.cli import main; main()"]


@dataclass
class BuurtServer:
    """A ``buurt serve`` subprocess; ``base_url`` answers once it is up."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or power cut of the process."""
        self.process.kill()
        self.process.wait()


@contextlib.contextmanager
def running_buurt(
    database_url: str,
    log: Path,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    command: str = "serve",
) -> Iterator[BuurtServer]:
    """``buurt serve --db database_url`` (or ``buurt demo``) on a free port, stopped
    (SIGTERM) on exit.

    ``env`` adds to the environment (``BUURT_*`` settings); the caller's own ``BUURT_*``
    variables are left out so that a developer's shell cannot change what is tested.
    """
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BUURT_")}
    # Uploaded images stay beside the server's log, never in the working directory.
    environment["BUURT_MEDIA_FOLDER"] = str(log.parent / "media")
    environment.update(env or {})
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            [*buurt_command(), command, "--db", database_url, "--port", str(port), *extra_args],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
        )
    server = BuurtServer(process=process, port=port, log=log)
    with stopped_at_exit(process):
        try:
            wait_for(server.base_url, process)
        except (RuntimeError, TimeoutError) as error:
            raise ServerError(f"{error}\n{_tail(server.log)}") from None
        yield server
