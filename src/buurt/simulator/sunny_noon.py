"""The sunny-noon scene over a real broker: a neighbour's surplus starts a charger.

Two households of the simulated circle. The fleet's owner has a private solar inverter and
grants their neighbour, "Charger owner", its data for ``matching``. The neighbour has an EV
charger and an automation: "when a surplus of at least 2 kW is published within 500 m, start
my charger for an hour". ``play`` connects both things over MQTT, as devices would: the
inverter publishes a clear morning's output, rising through the rule's 2 kW, simulated time
running ``speed`` times as fast. The charger listens on its commands topic and, on
``start_charging``, reports that it charges. The gateway of the process that provisioned the
scene (``buurt simulate --scenario sunny-noon`` runs one) does the matching and sends the
command. With ``revoked``, the grant is revoked before the scene plays: the surplus then
starts nothing.
"""

from __future__ import annotations

import json
import math
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt

from buurt.domain.activity import Subscription
from buurt.domain.admission import AdmissionRoute
from buurt.domain.automations import Automation
from buurt.domain.community import Member, Thing, ThingKind, Visibility
from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Place
from buurt.mqtt.topics import commands_topic
from buurt.services.community import admission, auth, members
from buurt.services.consent import grants
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import subscriptions
from buurt.services.sharing import automations
from buurt.services.things import link, registry
from buurt.simulator import fleet
from buurt.simulator.devices import Connection, Counts, connect_fleet

NEIGHBOUR_EMAIL = "charger@simulator.buurt.example"
INVERTER = "Sunny-noon inverter"
CHARGER = "Sunny-noon charger"
RULE = "Neighbour's surplus"
HOME = Place(52.3625, 4.9375)
NEXT_DOOR = Place(52.3628, 4.9380)  # about 50 m from HOME
PEAK_W = 4200
THRESHOLD_W = 2000
# The morning played, in UTC hours: below the rule's 2 kW until about 8:15, above it after.
FROM_HOUR, TO_HOUR = 7.0, 10.0
STEP = timedelta(minutes=15)


@dataclass
class Scene:
    """The two things with their MQTT secrets, the rule and the grant."""

    inverter: fleet.SimulatedThing
    charger: fleet.SimulatedThing
    automation_id: str
    grant_id: str


@dataclass
class Played:
    """What a scene did: every reading the inverter sent and every command the charger got."""

    readings: list[tuple[datetime, int]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def provision(services: Services, *, revoked: bool = False) -> Scene:
    """The scene's households, things, rule and grant, reused when they exist; fresh MQTT
    credentials for both things. ``revoked``: the grant is revoked (else it is live)."""
    owner = fleet.owner(services)
    circle_id = sorted(owner.circles)[0]
    neighbour = _neighbour(services, owner, circle_id)
    inverter = _thing(services, owner, circle_id, ThingKind.SOLAR_INVERTER, INVERTER, HOME)
    charger = _thing(services, neighbour, circle_id, ThingKind.EV_CHARGER, CHARGER, NEXT_DOOR)
    automation = _rule(services, neighbour, circle_id, charger)
    grant = _grant(services, owner, neighbour, inverter)
    if revoked and grant.revoked_at is None:
        grants.revoke(services, owner, grant.id)
    return Scene(
        _simulated(services, owner, inverter),
        _simulated(services, neighbour, charger),
        automation.id,
        grant.id,
    )


def play(
    scene: Scene,
    host: str,
    port: int,
    *,
    speed: float = 600.0,
    on_reading: Callable[[datetime, int], None] | None = None,
) -> Played:
    """Publish the day's surplus over MQTT while the charger listens; what happened."""
    played = Played()
    counts = Counts()
    inverter, charger = connect_fleet([scene.inverter, scene.charger], host, port, counts)
    try:
        _listen(charger, played)
        day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        run = secrets.token_hex(4)  # a replayed morning is new readings, not redeliveries
        at = day + timedelta(hours=FROM_HOUR)
        while at <= day + timedelta(hours=TO_HOUR):
            watts = surplus_w(at)
            body = {"attributes": {"power_w": watts}, "occurred_at": at.isoformat()}
            body["message_id"] = f"sunny-{run}-{at:%H%M}"
            inverter.publish(json.dumps(body))
            with played.lock:
                played.readings.append((at, watts))
            if on_reading is not None:
                on_reading(at, watts)
            time.sleep(STEP.total_seconds() / speed)
            at += STEP
        time.sleep(1.0)  # the last command's way back through the gateway
    finally:
        inverter.close()
        charger.close()
    return played


def surplus_w(at: datetime) -> int:
    """A clear day's output of a 4.2 kWp roof: a sine from 6:00 to 20:00 (UTC hours)."""
    hour = at.hour + at.minute / 60
    return round(PEAK_W * max(0.0, math.sin(math.pi * (hour - 6) / 14)))


def _listen(charger: Connection, played: Played) -> None:
    """The charger takes ``start_charging`` and says, on its events topic, that it charges."""
    thing = charger.sim.thing

    def on_message(client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        command = json.loads(message.payload)
        with played.lock:
            played.commands.append(command)
        if command.get("command") == "start_charging":
            state = {"attributes": {"charging": True, "power_w": 11000}}
            charger.publish(json.dumps(state))

    done = threading.Event()
    charger.client.on_message = on_message
    charger.client.on_subscribe = lambda *args: done.set()
    charger.client.subscribe(commands_topic(thing.circle_id, thing.id), qos=1)
    if not done.wait(5):
        raise ConnectionError("the broker did not let the charger listen for commands")


def _neighbour(services: Services, admin: Principal, circle_id: str) -> Principal:
    with services.uow() as uow:
        found = uow.repo(Member).find(email=NEIGHBOUR_EMAIL)
    if not found:
        member = members.register_member(
            services,
            name="Charger owner",
            email=NEIGHBOUR_EMAIL,
            password=secrets.token_urlsafe(32),  # nobody logs in as the simulator
            circle_id=None,
        )
        invite = admission.issue_code(services, admin, circle_id, AdmissionRoute.INVITE)
        joining = auth.acting_party(services, PartyKind.MEMBER, member.id, "simulator")
        admission.request_admission(services, joining, circle_id, invite.secret)
        found = [member]
    return auth.acting_party(services, PartyKind.MEMBER, found[0].id, "simulator")


def _thing(
    services: Services,
    owner: Principal,
    circle_id: str,
    kind: ThingKind,
    name: str,
    place: Place,
) -> Thing:
    with services.uow() as uow:
        found = uow.repo(Thing).find(owner_id=owner.id, name=name)
    if found:
        return found[0]
    return registry.register_thing(
        services,
        owner,
        circle_id=circle_id,
        kind=kind,
        name=name,
        place=place,
        visibility=Visibility.PRIVATE,  # its data is its owner's, shared by grant only
    )


def _rule(services: Services, owner: Principal, circle_id: str, charger: Thing) -> Automation:
    with services.uow() as uow:
        found = uow.repo(Subscription).find(owner_id=owner.id, name=RULE)
        rule = uow.repo(Automation).find(subscription_id=found[0].id) if found else []
    if rule:
        return rule[0]
    subscription = found[0] if found else None
    if subscription is None:
        subscription = subscriptions.subscribe(
            services,
            owner,
            circle_id=circle_id,
            name=RULE,
            categories=["energy/solar"],
            area=Area(center=charger.place, radius_m=500),
            predicates=[f"power_w >= {THRESHOLD_W}"],
        )
    return automations.create_automation(
        services,
        owner,
        subscription_id=subscription.id,
        thing_id=charger.id,
        command="start_charging",
        args={"minutes": 60},
    )


def _grant(
    services: Services, owner: Principal, neighbour: Principal, inverter: Thing
) -> ConsentGrant:
    with services.uow() as uow:
        given = uow.repo(ConsentGrant).find(recipient_id=neighbour.id, thing_id=inverter.id)
    live = [g for g in given if g.revoked_at is None]
    if live:
        return live[0]
    return grants.grant(
        services,
        owner,
        recipient_kind=PartyKind.MEMBER,
        recipient_id=neighbour.id,
        category=DataCategory.THING_DATA,
        purpose=Purpose.MATCHING,
        thing_id=inverter.id,
    )


def _simulated(services: Services, owner: Principal, thing: Thing) -> fleet.SimulatedThing:
    _, secret = link.issue_mqtt_credentials(services, owner, thing.id)
    rng = random.Random(thing.id)  # noqa: S311 - a simulation, not a secret
    return fleet.SimulatedThing(thing, secret, rng)
