"""Where the demo neighbourhood is: the Indische Buurt boundary, its streets and addresses.

Coordinates are hand-traced approximations of Amsterdam-Oost (WGS84), good enough for a demo:
every street anchor lies inside the boundary, which a unit test checks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from buurt.domain.places import Boundary, Place

TIMEZONE = "Europe/Amsterdam"
CENTRE = Place(52.3622, 4.9385)

# Clockwise from the railway near Muiderpoort station, along the Zeeburgerdijk, the edge of
# the Flevopark and back along the Insulindeweg.
BOUNDARY = Boundary(
    polygon=tuple(
        Place(lat, lon)
        for lat, lon in (
            (52.3628, 4.9262),
            (52.3646, 4.9281),
            (52.3661, 4.9312),
            (52.3670, 4.9358),
            (52.3672, 4.9405),
            (52.3668, 4.9452),
            (52.3659, 4.9490),
            (52.3644, 4.9516),
            (52.3621, 4.9521),
            (52.3598, 4.9505),
            (52.3581, 4.9478),
            (52.3574, 4.9432),
            (52.3578, 4.9385),
            (52.3586, 4.9338),
            (52.3597, 4.9297),
            (52.3611, 4.9270),
        )
    )
)


@dataclass(frozen=True)
class Street:
    """A street (or square) as a segment between two places, with its house numbers."""

    name: str
    start: Place
    end: Place
    last_number: int
    postcode: str  # the four digits; the two letters depend on the house number

    def place_of(self, number: int) -> Place:
        share = min(1.0, max(0.0, number / self.last_number))
        # Even numbers on one side of the street, odd on the other: about 8 m apart.
        side = 0.00004 if number % 2 == 0 else -0.00004
        return Place(
            round(self.start.lat + share * (self.end.lat - self.start.lat) + side, 6),
            round(self.start.lon + share * (self.end.lon - self.start.lon) - side, 6),
        )

    def address(self, number: int) -> str:
        letters = "ABCDEGHJKLMNPRSTVWXZ"
        block = (number // 20) % len(letters)
        second = letters[(len(self.name) + number // 40) % len(letters)]
        return f"{self.name} {number}, {self.postcode} {letters[block]}{second} Amsterdam"


def _street(name: str, a: tuple[float, float], b: tuple[float, float], last: int) -> Street:
    postcode = "1094" if min(a[1], b[1]) < 4.9395 else "1095"
    return Street(name, Place(*a), Place(*b), last, postcode)


STREETS: dict[str, Street] = {
    s.name: s
    for s in (
        _street("Javastraat", (52.3624, 4.9302), (52.3634, 4.9396), 190),
        _street("Javaplein", (52.3632, 4.9398), (52.3640, 4.9414), 40),
        _street("Celebesstraat", (52.3606, 4.9322), (52.3614, 4.9426), 120),
        _street("Sumatrastraat", (52.3596, 4.9336), (52.3652, 4.9352), 250),
        _street("Borneostraat", (52.3593, 4.9368), (52.3655, 4.9380), 100),
        _street("Balistraat", (52.3601, 4.9388), (52.3650, 4.9398), 130),
        _street("Molukkenstraat", (52.3592, 4.9440), (52.3660, 4.9455), 220),
        _street("Timorplein", (52.3641, 4.9322), (52.3648, 4.9338), 40),
        _street("Ambonplein", (52.3597, 4.9410), (52.3603, 4.9424), 80),
        _street("Insulindeweg", (52.3584, 4.9400), (52.3591, 4.9470), 400),
        _street("Zeeburgerdijk", (52.3652, 4.9318), (52.3662, 4.9425), 140),
        _street("Makassarplein", (52.3636, 4.9470), (52.3643, 4.9484), 30),
        _street("Tidorestraat", (52.3612, 4.9448), (52.3628, 4.9470), 160),
        _street("Madurastraat", (52.3607, 4.9395), (52.3617, 4.9438), 90),
        _street("Lombokstraat", (52.3612, 4.9308), (52.3623, 4.9318), 50),
        _street("Soembawastraat", (52.3621, 4.9460), (52.3650, 4.9467), 60),
        _street("Valentijnkade", (52.3628, 4.9488), (52.3655, 4.9478), 150),
        _street("Riouwstraat", (52.3600, 4.9470), (52.3622, 4.9488), 180),
    )
}


@dataclass(frozen=True)
class Address:
    street: str
    number: int
    text: str
    place: Place


def address(street: str, number: int) -> Address:
    found = STREETS[street]
    return Address(street, number, found.address(number), found.place_of(number))


def random_address(rng: random.Random) -> Address:
    street = rng.choice(sorted(STREETS))
    number = rng.randint(1, STREETS[street].last_number)
    return address(street, number)


def local_zone() -> tzinfo:
    """Europe/Amsterdam; a fixed UTC+1 where the platform has no time zone database."""
    try:
        return ZoneInfo(TIMEZONE)
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the platform
        return timezone(timedelta(hours=1), "CET")
