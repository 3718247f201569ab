"""``buurt bench ingest``: events/s and latency from a thing to the store, with a peer.

Everything runs here, started for the run: SQLite in a scratch directory, a Mosquitto on a
free loopback port with Buurt's generated logins and ACL, and the real gateway. Devices are
``mosquitto_pub -l`` processes (one per thing, C, QoS 1), so the publishers do not compete
with the gateway for Python's interpreter lock. Each message carries its hand-off time in its
``message_id``; latency is from that hand-off to the commit that stored it.

- **peer**: ``mosquitto_sub`` (QoS 1, as the gateway user) writing every message to a file,
  with its arrival time: the ceiling, what the broker and loopback allow without a store.
- **MQTT → stored**: the gateway, batching messages into transactions (synchronous=FULL).
- **HTTP batch → stored**: ``POST /v1/things/{id}/events`` with 500 events per request, to a
  uvicorn server in this process.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from buurt.adapters.mqtt.broker_files import BrokerFiles
from buurt.adapters.mqtt.gateway import Gateway
from buurt.adapters.mqtt.mosquitto import Mosquitto
from buurt.adapters.mqtt.topics import EVENTS_FILTER, events_topic
from buurt.adapters.mqtt.url import BrokerUrl
from buurt.bootstrap import build
from buurt.config import Settings
from buurt.domain.community import PrincipalKind
from buurt.services import auth
from buurt.services.context import Services
from buurt.simulator import fleet
from buurt.web.app import create_app

GATEWAY = "buurt-gateway"
HTTP_BATCH = 500


@dataclass
class Figures:
    name: str
    events: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float


def run(events: int, things: int = 8) -> list[Figures]:
    """Measure the peer, MQTT and HTTP ingestion of ``events`` events each."""
    with _scratch() as root:
        instance = build(
            Settings(database_url=f"sqlite:///{root}/bench.db", password_profile="CHEAPEST")  # noqa: S106
        )
        try:
            services = instance.services
            sims = fleet.provision(services, things)
            password = os.urandom(16).hex()
            BrokerFiles(services, root, GATEWAY, password).write()
            broker = Mosquitto(root, _free_port())
            broker.start()
            try:
                url = BrokerUrl("127.0.0.1", broker.port, GATEWAY, password, tls=False)
                return [
                    _peer(root, url, sims, events),
                    _mqtt(services, url, sims, events),
                    _http(services, sims, events),
                ]
            finally:
                broker.stop()
        finally:
            instance.close()


# -- the three measurements --------------------------------------------------------------------


def _peer(root: Path, url: BrokerUrl, sims: list[fleet.SimulatedThing], events: int) -> Figures:
    out = root / "peer.txt"
    with out.open("wb") as sink:
        sub = subprocess.Popen(  # noqa: S603 - the broker's own client
            [_binary("mosquitto_sub"), "-h", url.host, "-p", str(url.port), "-u", url.username,
             "-P", url.password, "-t", EVENTS_FILTER, "-q", "1", "-C", str(events),
             "-F", "%U %p"],
            stdout=sink,
        )  # fmt: skip
        time.sleep(0.5)  # let it subscribe: the broker keeps nothing for a clean session
        started = _publish(url, sims, events)
        sub.wait(timeout=300)
    arrivals = []
    for line in out.read_text().splitlines():
        stamp, payload = line.split(" ", 1)
        arrivals.append((float(stamp), _sent_at(payload.encode())))
    return _figures("peer: mosquitto_sub → file", started, arrivals)


def _mqtt(
    services: Services, url: BrokerUrl, sims: list[fleet.SimulatedThing], events: int
) -> Figures:
    arrivals: list[tuple[float, float]] = []
    done = threading.Event()

    def stored(batch: list[Any]) -> None:
        now = time.time()
        arrivals.extend((now, _sent_at(m.payload)) for m in batch)
        if len(arrivals) >= events:
            done.set()

    gateway = Gateway(services, url, client_id=f"bench-{os.getpid()}", on_stored=stored)
    gateway.start()
    try:
        started = _publish(url, sims, events)
        done.wait(timeout=600)
    finally:
        gateway.stop()
    return _figures("MQTT → stored (gateway)", started, arrivals)


def _http(services: Services, sims: list[fleet.SimulatedThing], events: int) -> Figures:
    sim = sims[0]
    owner = fleet.owner(services)
    _, token = auth.issue_principal_token(
        services, owner, PrincipalKind.THING, sim.thing.id, "bench", None
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    arrivals: list[tuple[float, float]] = []
    path = f"/v1/things/{sim.thing.id}/events"
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            http.headers["Authorization"] = f"Bearer {token}"
            started = time.time()
            for first in range(0, events, HTTP_BATCH):
                count = min(HTTP_BATCH, events - first)
                sent = time.time()
                body = {"events": [{"attributes": sim.reading_now()} for _ in range(count)]}
                response = http.post(path, json=body)
                response.raise_for_status()
                now = time.time()
                arrivals.extend((now, sent) for _ in range(count))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return _figures(f"HTTP batch of {HTTP_BATCH} → stored", started, arrivals)


# -- helpers -----------------------------------------------------------------------------------


def _publish(url: BrokerUrl, sims: list[fleet.SimulatedThing], events: int) -> float:
    """Hand ``events`` readings to one ``mosquitto_pub -l`` per thing, round robin, as fast as
    they take them; returns the time of the first hand-off."""
    pubs = [_publisher(url, s) for s in sims]
    time.sleep(0.3)  # let them connect
    started = time.time()
    chunk = 50
    for first in range(0, events, chunk):
        stamp = time.time()
        for number in range(first, min(first + chunk, events)):
            index = number % len(sims)
            body = {"attributes": sims[index].reading_now(), "message_id": f"{number}@{stamp:.6f}"}
            stdin = pubs[index].stdin
            assert stdin is not None
            stdin.write(json.dumps(body).encode() + b"\n")
        for pub in pubs:
            assert pub.stdin is not None
            pub.stdin.flush()
    for pub in pubs:
        assert pub.stdin is not None
        pub.stdin.close()
    for pub in pubs:
        pub.wait(timeout=300)
    return started


def _publisher(url: BrokerUrl, sim: fleet.SimulatedThing) -> subprocess.Popen[bytes]:
    topic = events_topic(sim.thing.circle_id, sim.thing.id)
    command = [
        _binary("mosquitto_pub"), "-h", url.host, "-p", str(url.port), "-u", sim.thing.id,
        "-P", sim.secret, "-t", topic, "-q", "1", "-M", "1000", "-l",
    ]  # fmt: skip
    return subprocess.Popen(command, stdin=subprocess.PIPE)  # noqa: S603 - the broker's client


def _sent_at(payload: bytes) -> float:
    message_id: str = json.loads(payload)["message_id"]
    return float(message_id.split("@", 1)[1])


def _figures(name: str, started: float, arrivals: list[tuple[float, float]]) -> Figures:
    last = max(arrived for arrived, _ in arrivals)
    seconds = last - started
    latencies = sorted((arrived - sent) * 1000 for arrived, sent in arrivals)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return Figures(
        name=name,
        events=len(arrivals),
        seconds=round(seconds, 3),
        per_second=round(len(arrivals) / seconds, 1),
        p50_ms=round(quantiles[49], 2),
        p99_ms=round(quantiles[98], 2),
    )


def as_json(figures: list[Figures]) -> str:
    peer = figures[0].per_second
    rows = [{**asdict(f), "ratio_to_peer": round(f.per_second / peer, 3)} for f in figures]
    return json.dumps(rows, indent=2)


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is needed (Debian: apt-get install mosquitto-clients)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _scratch() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(dir="/tmp", prefix="buurt-bench-"))
    root.chmod(0o755)  # Mosquitto may run as another user and must read its files
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
