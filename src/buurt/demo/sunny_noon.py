"""The demo's sunny noon: a neighbour's solar surplus starts the demo member's EV charger.

The demo member has a subscription, "Solar surplus above 2000 W nearby", and an automation on
it: start my charger for an hour. Every ``SUNNY_EVERY`` ticks of the living demo (and on its
first), the nearest neighbour's circle-visible inverter reports what it makes at a sunny
noon, so a visitor sees the scene at any hour of the day. The surplus goes through the same
publishing, consent gate and caps as every event; the automation fires on the moment it
makes, and its command goes out on the instance's link to things.

Without an MQTT broker (the embedded default) that link is ``DemoThingLink``: the demo's
things live in this process, so its chargers take their commands here too, and report that
they are charging on the next tick, as a real charger would over MQTT.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from buurt.demo.catalogue import SCENE_INVERTER
from buurt.demo.readings import EVENT_KIND
from buurt.domain.activity import Subscription
from buurt.domain.automations import Automation
from buurt.domain.community import Circle, Thing, ThingKind
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.parties import PartyKind
from buurt.services.consent import grants
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import events
from buurt.services.sharing import automations
from buurt.services.things.batches import BROKER

SUNNY_EVERY = 13  # ticks between two sunny noons
RULE_SUBSCRIPTION = "Solar surplus above 2000 W nearby"  # the demo member's (see wishes)
START_CHARGING = "start_charging"
CHARGING_MINUTES = 60
SURPLUS_W = 2600


@dataclass(frozen=True)
class Charging:
    """A charger started by a command: until when, and the reason the command carried."""

    until: datetime
    because: str


class DemoThingLink:
    """The link to the demo's in-process things: a command is taken at once and acted on at
    the living demo's next tick. Only ``start_charging`` to a charger does something."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[tuple[str, dict[str, Any]]] = []
        self.charging: dict[str, Charging] = {}

    def send_command(self, circle_id: str, thing_id: str, payload: bytes) -> str:
        with self._lock:
            self._waiting.append((thing_id, json.loads(payload)))
        return f"demo/{circle_id}/things/{thing_id}/commands"

    def take(self, now: datetime) -> list[str]:
        """Act on the commands that arrived since the last tick; the chargers they started."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
        started = []
        for thing_id, command in waiting:
            if command.get("command") != START_CHARGING:
                continue
            args = command.get("args") or {}
            minutes = args.get("minutes", CHARGING_MINUTES)
            because = (args.get("because") or {}).get("reason", "")
            self.charging[thing_id] = Charging(now + timedelta(minutes=minutes), because)
            started.append(thing_id)
        return started

    def is_charging(self, thing_id: str, now: datetime) -> bool:
        charging = self.charging.get(thing_id)
        return charging is not None and charging.until > now


def seed_scene(services: Services, demo: Principal, neighbour: Principal) -> None:
    """The demo member's automation (their surplus subscription starts their charger) and
    the neighbour's grant that lets their private inverter's data reach it. Once."""
    with services.uow() as uow:
        subscription = next(
            iter(uow.repo(Subscription).find(owner_id=demo.id, name=RULE_SUBSCRIPTION)), None
        )
        chargers = uow.repo(Thing).find(owner_id=demo.id, kind=ThingKind.EV_CHARGER)
        inverters = uow.repo(Thing).find(owner_id=neighbour.id, name=SCENE_INVERTER)
        if subscription is None or not chargers or not inverters:
            return
        if uow.repo(Automation).find(subscription_id=subscription.id):
            return
    automations.create_automation(
        services,
        demo,
        subscription_id=subscription.id,
        thing_id=chargers[0].id,
        command=START_CHARGING,
        args={"minutes": CHARGING_MINUTES},
    )
    grants.grant(
        services,
        neighbour,
        recipient_kind=PartyKind.MEMBER,
        recipient_id=demo.id,
        category=DataCategory.THING_DATA,
        purpose=Purpose.MATCHING,
        thing_id=inverters[0].id,
    )


def noon_surplus(services: Services, circle: Circle) -> str:
    """The neighbour's inverter reports a sunny noon's surplus; what happened, in words.
    It reports whether or not its owner still shares its data: the consent gate decides."""
    with services.uow() as uow:
        found = uow.repo(Thing).find(circle_id=circle.id, name=SCENE_INVERTER)
    if not found:
        return ""
    inverter = found[0]
    now = services.clock.now()
    # The scene's figure, whatever the season: a clear noon on a 4 kWp roof, less what the
    # house uses itself.
    attributes = {"power_w": SURPLUS_W}
    draft = {
        "thing_id": inverter.id,
        "kind": EVENT_KIND[inverter.kind],
        "attributes": attributes,
        "occurred_at": now,
    }
    events.publish_events(services, BROKER, [draft], partial=True)
    return f"sunny noon: {inverter.name} has {SURPLUS_W} W to spare"


def charger_reading(link: DemoThingLink, thing: Thing, now: datetime) -> dict[str, Any] | None:
    """A charger the link started reports that it charges, instead of its usual curve."""
    if thing.kind is not ThingKind.EV_CHARGER or not link.is_charging(thing.id, now):
        return None
    return {"charging": True, "power_w": 11000}
