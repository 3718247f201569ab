"""The MQTT gateway: every thing's event message, stored through ``publish_events``, then
acknowledged to the broker; and commands published to things.

Delivery is at least once, end to end. The gateway subscribes with QoS 1 in a persistent
session (a fixed client id, ``clean_start=False``, a session that outlives a disconnect), so
the broker keeps what arrives while it is away. Buurt's broker configuration (``mosquitto``)
names that session after the gateway's username, so no other login can take it over. The
gateway acknowledges (PUBACK) a message only after the transaction holding it (as an event or
a dead letter) committed: if the gateway dies before, the broker delivers the message again.
A thing that sends a ``message_id`` gets exactly-once storage: the redelivered message finds
its receipt and stores nothing new. Retained messages are not stored again: the subscription
asks the broker not to send them, and a retained copy that still arrives is acknowledged and
left out (each message was stored when it was published).

With a ``share_group`` the gateway subscribes to its group's share of the events (an MQTT 5
shared subscription, ``$share/<group>/...``): several gateways, each with a login and so a
session of its own, then split the broker's load, and the broker hands each message to one of
them. A message a gateway received but did not acknowledge is sent again, to it or to another
member of the group: the receipts of ``message_id`` keep that stored once too.

Two threads share the work. The network thread runs an asyncio loop with a gmqtt client
(chosen over paho for the receive path: it parses packets from a buffer, about a fifth of
paho's cost per message, which is what lets one process keep up with a fleet); each message
waits there, as a small task, for its batch to be stored. The writer thread takes whatever
messages are waiting (up to ``batch_size``) into one transaction, then hands their PUBACKs back
to the loop. Under load batches grow by themselves; when idle a message is stored at once.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import gmqtt
from gmqtt.storage import PersistentStorage

from buurt.domain.activity import Event
from buurt.domain.errors import ThingLinkDown
from buurt.domain.ingestion import IngestSource, RejectedEvent
from buurt.mqtt.messages import ThingMessage, read_message
from buurt.mqtt.topics import commands_topic, events_subscription, parse_events_topic
from buurt.mqtt.url import BrokerUrl
from buurt.services.context import Services
from buurt.services.things import ingest
from buurt.services.things.batches import rejection

log = logging.getLogger("buurt.mqtt")
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps the gateway's messages for a week away
RECEIVE_MAXIMUM = 65_535  # unacknowledged messages the broker may send us (MQTT 5)
RECONNECT_DELAY_S = 1
PUBACK_SUCCESS = 0
COMMAND_TIMEOUT_S = 5
RETAINED_NOT_SENT = 2  # MQTT 5 "Retain Handling": no retained messages on subscribing
_Waiting = tuple[ThingMessage, "asyncio.Future[int]"]


@dataclass
class GatewayStats:
    connections: int = 0  # more than one: the broker dropped the gateway at least once
    received: int = 0
    stored: int = 0
    rejected: int = 0
    acknowledged: int = 0
    batches: int = 0
    retained: int = 0  # retained copies left out (see Gateway._on_message)


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
        share_group: str | None = None,
        on_stored: Callable[[list[ThingMessage]], None] | None = None,
    ) -> None:
        """``on_stored`` is called with each batch after its commit, before its PUBACKs."""
        self.services = services
        self.on_stored = on_stored
        self.url = url
        self.batch_size = batch_size
        self.subscription = events_subscription(share_group)
        self.stats = GatewayStats()
        self._ca_file = ca_file
        self._inbox: queue.Queue[_Waiting] = queue.Queue()
        self._stopping = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(self._loop_problem)
        self._network = threading.Thread(
            target=self._loop.run_forever, name="mqtt-network", daemon=True
        )
        self._writer = threading.Thread(target=self._write_loop, name="mqtt-gateway", daemon=True)
        self._subscribed: asyncio.Event | None = None
        self._receipts = _Receipts()
        self.client = gmqtt.Client(
            client_id,
            persistent_storage=self._receipts,
            clean_session=False,
            optimistic_acknowledgement=False,  # PUBACK when on_message returns: after the commit
            session_expiry_interval=SESSION_EXPIRY_S,
            receive_maximum=RECEIVE_MAXIMUM,
        )
        self.client.set_auth_credentials(url.username, url.password)
        self.client.set_config({"reconnect_delay": RECONNECT_DELAY_S})
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 10) -> None:
        """Connect, subscribe, and start storing; raise when the broker refuses or is away."""
        self._writer.start()  # a persistent session's messages arrive right after CONNACK
        self._network.start()
        connected = self._in_loop(self._connect())
        try:
            connected.result(timeout)
        except gmqtt.MQTTConnectError as error:
            self.stop()
            raise ConnectionError(
                f"the MQTT broker at {self.url} refused the gateway: {error}"
            ) from error
        except (OSError, TimeoutError) as error:
            self.stop()
            raise ConnectionError(
                f"no subscription at {self.url} in {timeout} s: {error}"
            ) from error

    def stop(self) -> None:
        """Store and acknowledge what has arrived, then disconnect (the session stays).
        Messages that arrive while stopping stay unacknowledged: the broker sends them again."""
        self._stopping.set()
        if self._writer.is_alive():
            self._writer.join(timeout=30)
        if self._network.is_alive():
            try:
                self._in_loop(self._disconnect()).result(10)
            except Exception:  # the session stays with the broker either way
                log.warning("the MQTT gateway did not disconnect cleanly", exc_info=True)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._network.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()

    # -- commands (the ThingLink port) ---------------------------------------------------------

    def send_command(self, circle_id: str, thing_id: str, payload: bytes) -> str:
        """Publish with QoS 1 and return once the broker acknowledged the command."""
        topic = commands_topic(circle_id, thing_id)
        if not self._connected():
            raise ThingLinkDown(f"the MQTT broker at {self.url} is not connected")
        published = self._in_loop(self._publish(topic, payload))
        try:
            published.result(COMMAND_TIMEOUT_S)
        except TimeoutError as error:
            published.cancel()
            problem = f"the MQTT broker did not acknowledge the command in {COMMAND_TIMEOUT_S} s"
            raise ThingLinkDown(problem) from error
        except (OSError, RuntimeError) as error:
            raise ThingLinkDown(f"the MQTT broker did not take the command: {error}") from error
        return topic

    # -- the network thread (asyncio) ----------------------------------------------------------

    def _in_loop(self, work: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _connect(self) -> None:
        self._subscribed = asyncio.Event()
        context = ssl.create_default_context(cafile=self._ca_file) if self.url.tls else False
        await self.client.connect(self.url.host, self.url.port, ssl=context, keepalive=30)
        await self._subscribed.wait()

    async def _disconnect(self) -> None:
        if self._connected():
            await self.client.disconnect()

    async def _publish(self, topic: str, payload: bytes) -> None:
        if not self.client.is_connected:
            raise OSError("not connected")
        self.client.publish(topic, payload, qos=1)  # keeps it in the receipts until the PUBACK
        assert self._receipts.last_mid is not None
        await self._receipts.acknowledged(self._receipts.last_mid)

    def _connected(self) -> bool:
        try:
            return bool(self.client.is_connected)
        except AttributeError:  # before the first connection
            return False

    def _on_connect(self, client: gmqtt.Client, flags: int, result: int, props: Any) -> None:
        self.stats.connections += 1
        log.info("MQTT gateway connected to %s (session present: %s)", self.url, flags)
        # Every (re)connection subscribes: the broker may have lost the session it kept. The
        # broker is asked not to send retained messages on subscribing (see _on_message; a
        # shared subscription never gets them).
        client.subscribe(self.subscription, qos=1, retain_handling_options=RETAINED_NOT_SENT)

    def _on_subscribe(self, client: gmqtt.Client, mid: int, qos: Any, props: Any) -> None:
        if self._subscribed is not None:
            self._subscribed.set()

    async def _on_message(
        self, client: gmqtt.Client, topic: str, payload: bytes, qos: int, props: Any
    ) -> int:
        self.stats.received += 1
        if props.get("retain"):
            # The broker's copy of a thing's last retained message, sent because we subscribed
            # (MQTT clears the flag on what it forwards live, or queued in our session): the
            # message itself reached us when it was published, so this copy is never new.
            # Stored, it would be the same reading again at every (re)subscription, each time
            # with a new time of arrival. Acknowledged and left out.
            self.stats.retained += 1
            return PUBACK_SUCCESS
        stored: asyncio.Future[int] = self._loop.create_future()
        self._inbox.put((_thing_message(topic, payload), stored))
        return await stored  # gmqtt sends the PUBACK when this returns

    def _on_disconnect(self, client: gmqtt.Client, packet: Any, exc: Any = None) -> None:
        if not self._stopping.is_set():
            log.warning("MQTT gateway disconnected (%s); reconnecting", exc or packet)

    def _loop_problem(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if self._stopping.is_set():  # tasks of messages left unacknowledged for redelivery
            log.debug("MQTT gateway stopping: %s", context.get("message"))
            return
        loop.default_exception_handler(context)

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
            messages = [message for message, _ in batch]
            self._store(messages)
            if self.on_stored is not None:
                self.on_stored(messages)
            try:
                self._loop.call_soon_threadsafe(_acknowledge, [stored for _, stored in batch])
            except RuntimeError:  # the loop closed (stop gave up waiting): the broker resends
                log.warning("MQTT gateway stopped before acknowledging %d messages", len(batch))
                return
            self.stats.acknowledged += len(batch)

    def _store(self, messages: list[ThingMessage]) -> None:
        """Commit the batch; on failure store message by message, and a message that cannot
        be stored becomes a dead letter. Retries while the store is unreachable."""
        while True:
            try:
                self._ingest(messages)
                break
            except Exception:
                log.exception("storing %d MQTT messages failed; trying one by one", len(messages))
            try:
                for message in messages:
                    self._ingest_alone(message)
                break
            except Exception:
                log.exception("the store is unreachable; retrying in 1 s")
                time.sleep(1)
        self.stats.batches += 1

    def _ingest(self, messages: list[ThingMessage]) -> None:
        events = ingest_messages(self.services, messages)
        self.stats.stored += len(events)
        self.stats.rejected += len(messages) - len(events)

    def _ingest_alone(self, message: ThingMessage) -> None:
        try:
            self._ingest([message])
        except Exception as error:
            now = self.services.clock.now()
            dead = rejection(
                message.thing_id, now, IngestSource.MQTT, message.payload, f"not stored: {error}"
            )
            ingest.keep_dead_letters(self.services, [dead])
            self.stats.rejected += 1


def ingest_messages(services: Services, messages: list[ThingMessage]) -> list[Event]:
    """Store messages in one transaction. Whether a message is an event or a dead letter is
    decided message by message before the write, so a bad one (not JSON, an integer of 5,000
    digits, nesting 20,000 deep, the wrong types, too large) never fails the batch it came in:
    that would cost every other thing's messages the slow path, one transaction each."""
    now = services.clock.now()
    drafts: list[dict[str, Any]] = []
    dead: list[RejectedEvent] = []
    for message in messages:
        draft, reason = _read(message)
        if draft is not None:
            drafts.append(draft)
        else:
            payload = message.payload
            dead.append(rejection(message.thing_id, now, IngestSource.MQTT, payload, reason))
    return ingest.ingest_drafts(services, drafts, dead)


def _read(message: ThingMessage) -> tuple[dict[str, Any] | None, str]:
    # ``read_message`` does not raise for any payload we know of; should one still make it
    # raise, that message alone becomes a dead letter, named in one line of the log.
    try:
        return read_message(message)
    except Exception as error:
        log.warning("an MQTT message from %s could not be read: %r", message.thing_id, error)
        return None, f"the payload could not be read ({type(error).__name__})"


class _Receipts(PersistentStorage):  # type: ignore[misc]  # gmqtt has no type hints
    """gmqtt's store of our QoS 1 publications the broker has not acknowledged yet (it sends
    them again after a reconnect), telling a waiting command when its PUBACK arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.last_mid: int | None = None
        self._waiting: dict[int, asyncio.Future[None]] = {}

    def push_message(self, mid: int, raw_package: bytes) -> None:
        super().push_message(mid, raw_package)
        self.last_mid = mid

    def remove_message_by_mid(self, mid: int) -> None:
        super().remove_message_by_mid(mid)
        waiting = self._waiting.pop(mid, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    def acknowledged(self, mid: int) -> asyncio.Future[None]:
        """Resolved when the broker acknowledges the publication ``mid`` (call in the loop,
        right after publishing: packet ids are reused once acknowledged)."""
        receipt: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[mid] = receipt
        return receipt


def _acknowledge(stored: list[asyncio.Future[int]]) -> None:
    for future in stored:
        if not future.done():
            future.set_result(PUBACK_SUCCESS)


def _thing_message(topic: str, payload: bytes) -> ThingMessage:
    # The subscription only matches events topics, and the ACL only lets a thing publish on
    # the topic with its own id: the thing id in the topic is the authenticated username.
    circle_id, thing_id = parse_events_topic(topic) or ("", topic)
    return ThingMessage(thing_id, circle_id, bytes(payload))
