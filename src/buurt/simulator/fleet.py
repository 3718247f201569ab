"""Provisioning a fleet of things through the services, and each thing's readings over time."""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from buurt.domain.community import Circle, Member, Membership, Role, Thing, ThingKind, Visibility
from buurt.domain.parties import PartyKind
from buurt.domain.places import Boundary, Place
from buurt.services.community import circles, members
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.things import link, registry

OWNER_EMAIL = "fleet@simulator.buurt.example"
CIRCLE_NAME = "Simulated neighbourhood"
CENTRE = Place(52.3625, 4.9375)
CORNERS = ((52.355, 4.925), (52.370, 4.925), (52.370, 4.950), (52.355, 4.950))
BOUNDARY = Boundary(polygon=tuple(Place(lat, lon) for lat, lon in CORNERS))
KINDS = list(ThingKind)


@dataclass
class SimulatedThing:
    """A provisioned thing with its MQTT secret and the state its readings evolve from."""

    thing: Thing
    secret: str
    rng: random.Random
    state: dict[str, Any] = field(default_factory=dict)

    def reading(self, at: datetime) -> dict[str, Any]:
        return READERS[self.thing.kind](self, at)

    def reading_now(self) -> dict[str, Any]:
        return self.reading(datetime.now(UTC))


def provision(services: Services, count: int, *, seed: int = 7) -> list[SimulatedThing]:
    """``count`` things of every kind in turn, owned by the simulator's member: its existing
    things first, new ones for the rest. Each gets fresh MQTT credentials (announced, so the
    broker's files follow when a ``BrokerFiles`` listens)."""
    owner_ = owner(services)
    with services.uow() as uow:
        mine = uow.repo(Thing).find(owner_id=owner_.id)
    fleet = mine[:count]
    for index in range(len(fleet), count):
        kind = KINDS[index % len(KINDS)]
        rng = random.Random(f"{seed}:{index}")  # noqa: S311 - a simulation, not a secret
        place = Place(
            CENTRE.lat + rng.uniform(-0.006, 0.006), CENTRE.lon + rng.uniform(-0.01, 0.01)
        )
        fleet.append(
            registry.register_thing(
                services,
                owner_,
                circle_id=sorted(owner_.circles)[0],
                kind=kind,
                name=f"{kind.value.replace('_', ' ')} {index + 1}",
                place=place,
                visibility=Visibility.CIRCLE,
            )
        )
    result = []
    for thing in fleet:
        _, secret = link.issue_mqtt_credentials(services, owner_, thing.id)
        rng = random.Random(f"{seed}:{thing.id}")  # noqa: S311
        result.append(SimulatedThing(thing, secret, rng))
    return result


def owner(services: Services) -> Principal:
    """The simulator's member and circle, created on first use."""
    with services.uow() as uow:
        found = uow.repo(Member).find(email=OWNER_EMAIL)
    if found:
        member = found[0]
    else:
        member = members.register_member(
            services,
            name="Fleet simulator",
            email=OWNER_EMAIL,
            password=_unusable(),
            circle_id=None,
        )
    principal = Principal(PartyKind.MEMBER, member.id, token_id="simulator")  # noqa: S106
    with services.uow() as uow:
        admin_of = [
            m.circle_id for m in uow.repo(Membership).find(member_id=member.id, role=Role.ADMIN)
        ]
    if not admin_of:
        circle: Circle = circles.create_circle(
            services, principal, name=CIRCLE_NAME, boundary=BOUNDARY, timezone="Europe/Amsterdam"
        )
        admin_of = [circle.id]
    return Principal(
        PartyKind.MEMBER,
        member.id,
        token_id="simulator",  # noqa: S106
        circles=frozenset(admin_of),
        admin_of=frozenset(admin_of),
    )


def _unusable() -> str:
    return secrets.token_urlsafe(32)  # nobody logs in as the simulator


# -- readings ----------------------------------------------------------------------------------


def _hour(at: datetime) -> float:
    local = at + timedelta(hours=1)  # roughly Amsterdam; the shape matters, not the zone
    return local.hour + local.minute / 60


def _solar(t: SimulatedThing, at: datetime) -> dict[str, Any]:
    daylight = max(0.0, math.sin(math.pi * (_hour(at) - 6) / 14))  # 6:00 to 20:00
    clouds = t.state.get("clouds", 1.0) * 0.9 + t.rng.uniform(0.3, 1.0) * 0.1
    power = round(4200 * daylight * clouds)
    energy = t.state.get("energy_wh", t.rng.uniform(1e6, 5e6)) + power / 60
    t.state.update(clouds=clouds, energy_wh=energy)
    return {"power_w": power, "energy_wh": round(energy)}


def _parking(t: SimulatedThing, at: datetime) -> dict[str, Any]:
    busy = 0.2 + 0.6 * math.exp(-(((_hour(at) - 13) / 5) ** 2))  # full around midday
    occupied = t.state.get("occupied", False)
    if t.rng.random() < 0.15:  # turnover: a car leaves or arrives
        occupied = t.rng.random() < busy
    t.state["occupied"] = occupied
    return {"occupied": occupied}


FRIDGE_ITEMS = ("bread", "soup", "vegetables", "fruit", "yoghurt", "rice", "sandwiches")


def _fridge(t: SimulatedThing, at: datetime) -> dict[str, Any]:
    level = t.state.get("level", t.rng.uniform(30, 80))
    adding = level < 15 or t.rng.random() < 0.3  # it empties, then a neighbour fills it
    level = (
        min(100.0, level + t.rng.uniform(8, 25))
        if adding
        else max(0.0, level - t.rng.uniform(2, 8))
    )
    t.state["level"] = level
    item = t.rng.choice(FRIDGE_ITEMS)
    return {"action": "added" if adding else "taken", "item": item, "level": round(level)}


def _cargo_bike(t: SimulatedThing, at: datetime) -> dict[str, Any]:
    available = t.state.get("available", True)
    battery = t.state.get("battery_pct", t.rng.uniform(60, 100))
    if t.rng.random() < 0.1:  # borrowed or brought back
        available = not available
    battery = min(100.0, battery + 1.5) if available else max(0.0, battery - 2.5)
    t.state.update(available=available, battery_pct=battery)
    return {"available": available, "battery_pct": round(battery)}


def _air(t: SimulatedThing, at: datetime) -> dict[str, Any]:
    hour = _hour(at)
    rush = math.exp(-(((hour - 8) / 1.2) ** 2)) + math.exp(-(((hour - 17.5) / 1.5) ** 2))
    pm25 = max(1.0, 8 + 14 * rush + t.rng.gauss(0, 2))
    no2 = max(2.0, 15 + 30 * rush + t.rng.gauss(0, 4))
    return {"pm25": round(pm25, 1), "no2": round(no2, 1)}


def _ev_charger(t: SimulatedThing, at: datetime) -> dict[str, Any]:
    charging = t.state.get("charging", False)
    if t.rng.random() < 0.08:
        charging = not charging
    t.state["charging"] = charging
    return {"charging": charging, "power_w": round(t.rng.uniform(6800, 11000)) if charging else 0}


def _meter(t: SimulatedThing, at: datetime) -> dict[str, Any]:
    hour = _hour(at)
    base = (
        160
        + 550 * math.exp(-(((hour - 7.5) / 1.0) ** 2))
        + 1150 * math.exp(-(((hour - 19) / 2.2) ** 2))
    )
    power = max(90, round(base + t.rng.gauss(0, 70)))
    energy = t.state.get("energy_wh", t.rng.uniform(1e6, 9e6)) + power / 60
    t.state["energy_wh"] = energy
    return {"power_w": power, "energy_wh": round(energy)}


READERS = {
    ThingKind.SOLAR_INVERTER: _solar,
    ThingKind.PARKING_SENSOR: _parking,
    ThingKind.FRIDGE: _fridge,
    ThingKind.CARGO_BIKE: _cargo_bike,
    ThingKind.AIR_QUALITY: _air,
    ThingKind.EV_CHARGER: _ev_charger,
    ThingKind.SMART_METER: _meter,
}
