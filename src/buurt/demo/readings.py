"""A day of believable readings for each kind of thing, ending at a given instant.

Every generator is pure: it takes the end of the day, the local time zone, a seeded
``random.Random`` and a size, and returns ``(occurred_at, attributes)`` pairs in time order.
The attribute names are the ones subscriptions filter on (``power_w > 2000``,
``occupied == false``, ``available == true``, ``pm25 > 25``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from buurt.domain.community import ThingKind
from buurt.domain.places import Place

Reading = tuple[datetime, dict[str, Any]]
Generator = Callable[[datetime, tzinfo, random.Random, float, Place], list[Reading]]

EVENT_KIND: dict[ThingKind, str] = {
    ThingKind.SOLAR_INVERTER: "energy/solar",
    ThingKind.SMART_METER: "energy/meter",
    ThingKind.EV_CHARGER: "energy/ev-charging",
    ThingKind.PARKING_SENSOR: "mobility/parking",
    ThingKind.CARGO_BIKE: "mobility/cargo-bike",
    ThingKind.FRIDGE: "food/community-fridge",
    ThingKind.AIR_QUALITY: "environment/air-quality",
}
FRIDGE_ITEMS = (
    "bread", "vegetables", "fruit", "soup", "rice", "yoghurt", "cheese", "leftover meal",
    "sandwiches", "milk",
)  # fmt: skip


def _steps(end: datetime, minutes: int) -> list[datetime]:
    """The instants on a ``minutes`` grid in the 24 hours up to ``end``, oldest first."""
    step = timedelta(minutes=minutes)
    last = end.replace(second=0, microsecond=0)
    last -= timedelta(minutes=last.minute % minutes)
    count = 24 * 60 // minutes
    return [last - step * k for k in range(count - 1, -1, -1)]


def _hour(at: datetime, zone: tzinfo) -> float:
    local = at.astimezone(zone)
    return local.hour + local.minute / 60


def _new_local_day(previous: datetime | None, at: datetime, zone: tzinfo) -> bool:
    return previous is None or previous.astimezone(zone).date() != at.astimezone(zone).date()


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


def clear_sky_share(at: datetime, place: Place, tilt_deg: float = 35.0) -> float:
    """Share of peak power a south-facing panel makes under a clear sky (0 at night).

    Solar declination and hour angle from the NOAA low-precision formulas, air mass by
    Kasten-Young, and the plane-of-array irradiance of a tilted panel.
    """
    moment = at.timetuple()
    hours = moment.tm_hour + moment.tm_min / 60
    gamma = 2 * math.pi / 365 * (moment.tm_yday - 1 + (hours - 12) / 24)
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * math.cos(gamma)
        - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma)
        - 0.040849 * math.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * math.cos(gamma)
        + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma)
        + 0.000907 * math.sin(2 * gamma)
    )
    solar_minutes = hours * 60 + eqtime + 4 * place.lon
    hour_angle = math.radians(solar_minutes / 4 - 180)
    lat, tilt = math.radians(place.lat), math.radians(tilt_deg)
    sin_elev = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(
        hour_angle
    )
    if sin_elev <= 0.01:
        return 0.0
    elevation = math.degrees(math.asin(sin_elev))
    air_mass = 1 / (sin_elev + 0.50572 * (elevation + 6.07995) ** -1.6364)
    direct = 1.353 * math.pow(0.7, math.pow(air_mass, 0.678))  # kW/m2 on a plane facing the sun
    cos_incidence = math.sin(decl) * math.sin(lat - tilt) + math.cos(decl) * math.cos(
        lat - tilt
    ) * math.cos(hour_angle)
    diffuse = 0.1 * direct * (1 + math.cos(tilt)) / 2
    return 0.85 * (direct * max(0.0, cos_incidence) + diffuse)


def solar(
    end: datetime, zone: tzinfo, rng: random.Random, size: float, place: Place
) -> list[Reading]:
    """``size`` is the peak power in kW; ``energy_wh`` counts from local midnight."""
    readings: list[Reading] = []
    base = rng.uniform(0.45, 0.95)  # how sunny the day is here
    sky = base
    energy = 0.0
    previous: datetime | None = None
    for at in _steps(end, 15):
        sky = min(1.0, max(0.1, sky + 0.2 * (base - sky) + rng.gauss(0, 0.09)))
        power = round(size * 1000 * clear_sky_share(at, place) * sky)
        if _new_local_day(previous, at, zone):
            energy = 0.0
        energy += power / 4
        readings.append((at, {"power_w": power, "energy_wh": round(energy)}))
        previous = at
    return readings


def smart_meter(
    end: datetime, zone: tzinfo, rng: random.Random, size: float, place: Place
) -> list[Reading]:
    """``size`` scales the household's use; ``power_w`` is drawn from the grid."""
    readings: list[Reading] = []
    energy = 0.0
    previous: datetime | None = None
    for at in _steps(end, 15):
        hour = _hour(at, zone)
        base = 160 + 550 * _bump(hour, 7.5, 1.0) + 1150 * _bump(hour, 19.0, 2.2)
        spike = 1800 if 7 <= hour < 23 and rng.random() < 0.06 else 0  # kettle, oven, washer
        power = max(90, round(size * (base + rng.gauss(0, 70)) + spike))
        if _new_local_day(previous, at, zone):
            energy = 0.0
        energy += power / 4
        readings.append((at, {"power_w": power, "energy_wh": round(energy)}))
        previous = at
    return readings


def ev_charger(
    end: datetime, zone: tzinfo, rng: random.Random, size: float, place: Place
) -> list[Reading]:
    """``size`` is the charger's power in kW; sessions are likelier in the evening."""
    readings: list[Reading] = []
    left = 0
    for at in _steps(end, 30):
        hour = _hour(at, zone)
        if left == 0:
            chance = 0.3 if 17 <= hour < 21 else 0.08 if 7 <= hour < 17 else 0.02
            if rng.random() < chance:
                left = rng.randint(2, 8)
        charging = left > 0
        power = 0 if not charging else round(size * 1000 * (0.65 if left == 1 else 1.0))
        readings.append((at, {"charging": charging, "power_w": power}))
        left = max(0, left - 1)
    return readings


def parking(
    end: datetime, zone: tzinfo, rng: random.Random, size: float, place: Place
) -> list[Reading]:
    """A bay reports when it changes (and once at the start): busier at night than by day."""
    readings: list[Reading] = []
    occupied: bool | None = None
    for at in _steps(end, 15):
        hour = _hour(at, zone)
        wanted = 0.93 if hour >= 21 or hour < 7 else 0.55 if 9 <= hour < 16 else 0.78
        if occupied is None or rng.random() < 0.45:
            occupied = rng.random() < wanted
        else:
            continue
        if not readings or readings[-1][1]["occupied"] != occupied:
            readings.append((at + timedelta(minutes=rng.randint(0, 14)), {"occupied": occupied}))
    return [r for r in readings if r[0] <= end]


def cargo_bike(
    end: datetime, zone: tzinfo, rng: random.Random, size: float, place: Place
) -> list[Reading]:
    """A shared bike: booked for a few hours by day, charged at its dock otherwise."""
    readings: list[Reading] = []
    battery = rng.uniform(55, 100)
    booked = 0
    for at in _steps(end, 30):
        hour = _hour(at, zone)
        if booked == 0 and 8 <= hour < 20 and rng.random() < 0.12:
            booked = rng.randint(2, 7)
        if booked:
            battery = max(5.0, battery - rng.uniform(3, 7))
            booked -= 1
        else:
            battery = min(100.0, battery + 6)
        readings.append((at, {"available": booked == 0, "battery_pct": round(battery)}))
    return readings


def fridge(
    end: datetime, zone: tzinfo, rng: random.Random, size: float, place: Place
) -> list[Reading]:
    """A community fridge: neighbours add and take food between 8:00 and 22:00."""
    readings: list[Reading] = []
    level = rng.uniform(25, 60)
    for at in _steps(end, 60):
        if not 8 <= _hour(at, zone) < 22 or rng.random() > 0.85:
            continue
        adding = rng.random() < (0.75 if level < 40 else 0.4)
        change = rng.uniform(8, 25) if adding else -rng.uniform(5, 20)
        level = min(100.0, max(0.0, level + change))
        moment = at + timedelta(minutes=rng.randint(0, 59))
        if moment <= end:
            attributes = {
                "action": "added" if adding else "taken",
                "item": rng.choice(FRIDGE_ITEMS),
                "level": round(level),
            }
            readings.append((moment, attributes))
    return readings


def air_quality(
    end: datetime, zone: tzinfo, rng: random.Random, size: float, place: Place
) -> list[Reading]:
    """Hourly PM2.5 and NO2 in µg/m³: rush-hour traffic and evening wood stoves. ``size``
    scales the traffic share (busy roads above 1)."""
    readings: list[Reading] = []
    background = rng.uniform(7, 13)
    for at in _steps(end, 60):
        hour = _hour(at, zone)
        traffic = _bump(hour, 8.0, 1.3) + 0.9 * _bump(hour, 17.5, 1.6)
        pm25 = background + 5 * size * traffic + 9 * _bump(hour, 20.5, 2.0) + rng.gauss(0, 1.8)
        no2 = 16 + 22 * size * traffic + rng.gauss(0, 3)
        readings.append((at, {"pm25": round(max(2.0, pm25), 1), "no2": round(max(4.0, no2), 1)}))
    return readings


GENERATORS: dict[ThingKind, Generator] = {
    ThingKind.SOLAR_INVERTER: solar,
    ThingKind.SMART_METER: smart_meter,
    ThingKind.EV_CHARGER: ev_charger,
    ThingKind.PARKING_SENSOR: parking,
    ThingKind.CARGO_BIKE: cargo_bike,
    ThingKind.FRIDGE: fridge,
    ThingKind.AIR_QUALITY: air_quality,
}


def day_of_readings(
    kind: ThingKind, end: datetime, zone: tzinfo, rng: random.Random, size: float, place: Place
) -> list[Reading]:
    """The readings a thing of ``kind`` made in the 24 hours up to ``end``, oldest first."""
    return sorted(GENERATORS[kind](end, zone, rng, size, place), key=lambda r: r[0])
