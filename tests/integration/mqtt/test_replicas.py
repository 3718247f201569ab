"""Two API replicas, each with a gateway of one share group, on one PostgreSQL, one NATS
JetStream and one Mosquitto: a thing's event published over MQTT reaches a member's moments
stream on the other replica, once.

The thing is Ann's, private: its readings are her data. Bob has her grant and gets a moment of
each reading; Carl, as subscribed as Bob, has none and gets nothing, until Ann grants him too:
then his stream, open all along, gets the next reading's moment first (the control that it
was listening). Both gateways store some of the readings, so some of Bob's moments were made
by the process his stream is not on.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import events_topic
from tests.actors import HOME, Actor, make_world, neighbour
from tests.conftest import _database
from tests.integration.mqtt.conftest import GATEWAY_PASSWORD, admit, new_gateway_user
from tests.integration.mqtt.devices import connect, eventually
from tests.jetstream import NatsServer, delete_stream
from tests.servers import BuurtServer, running_buurt

pytestmark = pytest.mark.slow
READINGS = 6  # under a member's hourly cap of 10, with the control's reading after them


class Listener:
    """A moments stream read in a thread of its own, its events kept in order."""

    def __init__(self, base_url: str, actor: Actor) -> None:
        self.events: list[dict[str, Any]] = []
        self._client = httpx.Client(base_url=base_url, timeout=60)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(actor,), daemon=True)
        self._thread.start()

    def _read(self, actor: Actor) -> None:
        try:
            with self._client.stream("GET", "/v1/moments/stream", headers=actor.headers) as r:
                assert r.status_code == 200
                event: dict[str, Any] = {}
                for line in r.iter_lines():
                    if self._stop.is_set():
                        return
                    if not line:
                        if "data" in event:
                            self.events.append({**event, "data": json.loads(event["data"])})
                        event = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        event[name] = value.strip()
        except httpx.HTTPError:
            if not self._stop.is_set():
                raise

    def sources(self) -> list[str]:
        return [event["data"]["source_id"] for event in self.events]

    def close(self) -> None:
        self._stop.set()
        self._client.close()


def _metrics(server: BuurtServer) -> dict[str, float]:
    text = httpx2.get(f"{server.base_url}/metrics", timeout=10).text
    return {
        sample.name
        + "".join(f"{{{k}={v}}}" for k, v in sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _caught_up(*servers: BuurtServer) -> bool:
    """Every replica's handlers ran the whole stream (the consent mirror, the matcher)."""
    return all(_metrics(s).get("buurt_bus_consumer_lag{consumer=self}") == 0 for s in servers)


@pytest.fixture
def replicas(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer, mosquitto: Mosquitto
) -> Iterator[tuple[BuurtServer, BuurtServer]]:
    stream = f"REPLICAS_{os.getpid()}"
    env = {
        "BUURT_BUS_URL": nats_server.url,
        "BUURT_BUS_STREAM": stream,
        "BUURT_PASSWORD_PROFILE": "CHEAPEST",
        "BUURT_MQTT_CONFIG_DIR": str(mosquitto.directory),
        # A group of its own: the broker keeps handing a group's share to the offline sessions
        # of earlier tests' gateways (ADR 0013).
        "BUURT_MQTT_SHARE_GROUP": f"replicas-{uuid.uuid4().hex[:8]}",
    }
    with ExitStack() as stack:
        url = stack.enter_context(_database(request, tmp_path, "postgres"))
        stack.callback(delete_stream, nats_server, stream)
        servers = []
        for n in (1, 2):  # one after the other: the first migrates the database
            user = new_gateway_user()  # a login, so a session, of its own
            admit(mosquitto, user, GATEWAY_PASSWORD)
            mqtt = f"mqtt://{user}:{quote(GATEWAY_PASSWORD)}@127.0.0.1:{mosquitto.port}"
            log = tmp_path / f"replica-{n}.log"
            servers.append(stack.enter_context(running_buurt(url, log, ["--mqtt", mqtt], env=env)))
        yield servers[0], servers[1]


def test_a_things_event_reaches_a_members_stream_on_the_other_replica_once(
    replicas: tuple[BuurtServer, BuurtServer], mosquitto: Mosquitto
) -> None:
    first, second = replicas
    with httpx.Client(base_url=first.base_url, timeout=30) as http, ExitStack() as stack:
        world = make_world(http)  # type: ignore[arg-type]
        ann, bob = world.ann, world.bob
        carl = neighbour(world.admin, "Carl", world.circle["id"])
        roof = ann.created(
            "/v1/things",
            {"circle_id": world.circle["id"], "kind": "solar_inverter", "name": "Roof",
             "place": HOME, "visibility": "private"},
        )  # fmt: skip
        login = ann.created(f"/v1/things/{roof['id']}/mqtt-credentials", None)
        area = {**HOME, "radius_m": 400}
        for member in (bob, carl):
            member.created(
                "/v1/subscriptions",
                {"circle_id": world.circle["id"], "name": "Sun", "categories": ["energy"],
                 "area": area},
            )  # fmt: skip

        def grant(member: Actor) -> None:
            ann.created(
                "/v1/consents",
                {"recipient_kind": "member", "recipient_id": member.id,
                 "category": "thing_data", "purpose": "matching", "thing_id": roof["id"]},
            )  # fmt: skip
            eventually(lambda: _caught_up(first, second), within=30)

        grant(bob)
        streams = {m.id: Listener(second.base_url, m) for m in (bob, carl)}
        for listener in streams.values():
            stack.callback(listener.close)
        # Replica 2 follows Bob's and Carl's subjects: what is made from now on reaches them.
        eventually(lambda: _metrics(second).get("buurt_live_subjects") == 2)

        device = connect(mosquitto.port, login["username"], login["password"])
        stack.callback(device.close)
        topic = events_topic(world.circle["id"], roof["id"])

        def publish(tag: str, power: int) -> None:
            body = {"attributes": {"power_w": power}, "message_id": tag}
            device.publish(topic, json.dumps(body))

        for i in range(READINGS):
            publish(f"reading-{i}", 1000 + i)
        eventually(lambda: len(streams[bob.id].events) >= READINGS, within=60)

        def stored() -> list[str]:
            page = ann.get("/v1/events", params={"source_id": roof["id"], "limit": 100}).json()
            return [item["id"] for item in page["items"]]

        readings = stored()
        assert len(readings) == READINGS
        assert sorted(streams[bob.id].sources()) == sorted(readings)
        assert streams[carl.id].events == []  # no grant, no moment
        took = [_metrics(s).get("buurt_mqtt_stored_total", 0) for s in (first, second)]
        assert sum(took) == READINGS
        assert min(took) > 0, took  # so replica 1 made some of the moments Bob got on replica 2

        grant(carl)
        publish("reading-last", 2000)
        eventually(lambda: streams[carl.id].events, within=60)
        eventually(lambda: len(streams[bob.id].events) >= READINGS + 1, within=60)
        (last,) = set(stored()) - set(readings)
        assert streams[carl.id].sources() == [last]  # the control: his stream was listening
        bob_got = streams[bob.id].events
        assert [e["data"]["source_id"] for e in bob_got[READINGS:]] == [last]
        assert len({e["id"] for e in bob_got}) == READINGS + 1  # no moment came twice
        assert {e["event"] for e in bob_got} == {"moment.created"}
        assert {e["data"]["recipient_id"] for e in bob_got} == {bob.id}
