"""The MQTT gateway: every thing's event message, stored through ``publish_events``, then
acknowledged to the broker; and commands published to things.

Delivery is at least once, end to end. The gateway subscribes with QoS 1 in a persistent
session (a fixed client id, ``clean_start=False``, a session that outlives a disconnect), so
the broker keeps what arrives while it is away. It acknowledges (PUBACK) a message only after
the transaction holding it (as an event or a dead letter) committed: if the gateway dies
before, the broker delivers the message again. A thing that sends a ``message_id`` gets
exactly-once storage: the redelivered message finds its receipt and stores nothing new.

Messages are stored in batches: paho's network thread queues them, one writer thread takes
whatever is waiting (up to ``batch_size``) into one transaction, then acknowledges them all.
Under load batches grow by themselves; when idle a message is stored at once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from buurt.domain.ingestion import IngestSource
from buurt.mqtt.topics import EVENTS_FILTER, commands_topic, parse_events_topic
from buurt.mqtt.url import BrokerUrl
from buurt.ports.things import ThingLinkDown
from buurt.services import thing_ingest
from buurt.services.context import Services
from buurt.services.thing_events import rejection

log = logging.getLogger("buurt.mqtt")
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps the gateway's messages for a week away
RECEIVE_MAXIMUM = 65_535  # unacknowledged messages the broker may send us (MQTT 5)


@dataclass
class GatewayStats:
    received: int = 0
    stored: int = 0
    rejected: int = 0
    acknowledged: int = 0
    batches: int = 0
    store_seconds: list[float] = field(default_factory=list)


class Gateway:
    """Connects to the broker as the gateway user; ``start()``, then ``stop()``."""

    def __init__(
        self,
        services: Services,
        url: BrokerUrl,
        *,
        client_id: str = "buurt-gateway",
        batch_size: int = 2000,
        ca_file: str | None = None,
        on_stored: Callable[[list[mqtt.MQTTMessage]], None] | None = None,
    ) -> None:
        """``on_stored`` is called with each batch after its commit, before its PUBACKs."""
        self.services = services
        self.on_stored = on_stored
        self.url = url
        self.batch_size = batch_size
        self.stats = GatewayStats()
        self._inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self._stopping = threading.Event()
        self._subscribed = threading.Event()
        self._refused: str | None = None
        self._writer = threading.Thread(target=self._write_loop, name="mqtt-gateway", daemon=True)
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.username_pw_set(url.username, url.password)
        if url.tls:
            self.client.tls_set(ca_certs=ca_file)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.client.max_inflight_messages_set(1000)  # our commands in flight

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 10) -> None:
        """Connect, subscribe, and start storing; raise when the broker refuses or is away."""
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect(
            self.url.host, self.url.port, keepalive=30, clean_start=False, properties=properties
        )
        self._writer.start()
        self.client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise ConnectionError(self._refused or f"no subscription at {self.url} in {timeout} s")

    def stop(self) -> None:
        """Store and acknowledge what has arrived, then disconnect (the session stays)."""
        self._stopping.set()
        if self._writer.is_alive():
            self._writer.join(timeout=30)
        self.client.disconnect()
        self.client.loop_stop()

    # -- commands (the ThingLink port) ---------------------------------------------------------

    def send_command(self, circle_id: str, thing_id: str, payload: bytes) -> str:
        topic = commands_topic(circle_id, thing_id)
        if not self.client.is_connected():
            raise ThingLinkDown(f"the MQTT broker at {self.url} is not connected")
        info = self.client.publish(topic, payload, qos=1)
        try:
            info.wait_for_publish(timeout=5)
        except (RuntimeError, ValueError) as error:
            raise ThingLinkDown(f"the MQTT broker did not take the command: {error}") from error
        if not info.is_published():
            raise ThingLinkDown("the MQTT broker did not acknowledge the command in 5 s")
        return topic

    # -- paho callbacks (network thread) -------------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            self._refused = f"the MQTT broker at {self.url} refused the gateway: {reason}"
            log.error(self._refused)
            return
        log.info("MQTT gateway connected to %s (session present: %s)", self.url, flags)
        client.subscribe(EVENTS_FILTER, qos=1)

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any
    ) -> None:
        self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.stats.received += 1
        self._inbox.put(message)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if not self._stopping.is_set():
            log.warning("MQTT gateway disconnected (%s); paho reconnects", reason)

    # -- the writer thread ---------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            try:
                first = self._inbox.get(timeout=0.05)
            except queue.Empty:
                if self._stopping.is_set():
                    return
                continue
            batch = [first]
            while len(batch) < self.batch_size:
                try:
                    batch.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            self._store(batch)
            if self.on_stored is not None:
                self.on_stored(batch)
            for message in batch:
                self.client.ack(message.mid, message.qos)
            self.stats.acknowledged += len(batch)

    def _store(self, batch: list[mqtt.MQTTMessage]) -> None:
        """Commit the batch; on failure store message by message, and a message that cannot
        be stored becomes a dead letter. Retries while the store is unreachable."""
        started = time.perf_counter()
        messages = [_thing_message(m) for m in batch]
        while True:
            try:
                self._ingest(messages)
                break
            except Exception:
                log.exception("storing %d MQTT messages failed; trying one by one", len(batch))
            try:
                for message in messages:
                    self._ingest_alone(message)
                break
            except Exception:
                log.exception("the store is unreachable; retrying in 1 s")
                time.sleep(1)
        self.stats.batches += 1
        self.stats.store_seconds.append(time.perf_counter() - started)

    def _ingest(self, messages: list[thing_ingest.ThingMessage]) -> None:
        before = len(messages)
        events = thing_ingest.ingest_messages(self.services, messages)
        self.stats.stored += len(events)
        self.stats.rejected += before - len(events)

    def _ingest_alone(self, message: thing_ingest.ThingMessage) -> None:
        try:
            self._ingest([message])
        except Exception as error:
            now = self.services.clock.now()
            dead = rejection(
                message.thing_id, now, IngestSource.MQTT, message.payload, f"not stored: {error}"
            )
            thing_ingest.keep_dead_letters(self.services, [dead])
            self.stats.rejected += 1


def _thing_message(message: mqtt.MQTTMessage) -> thing_ingest.ThingMessage:
    # The subscription only matches events topics, and the ACL only lets a thing publish on
    # the topic with its own id: the thing id in the topic is the authenticated username.
    circle_id, thing_id = parse_events_topic(message.topic) or ("", message.topic)
    return thing_ingest.ThingMessage(thing_id, circle_id, bytes(message.payload))
