"""Who takes part: circles, members and their memberships, businesses with sites, things."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from buurt.domain.changes import Changeable
from buurt.domain.parties import PartyKind
from buurt.domain.places import Boundary, Place


class Role(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class ThingKind(StrEnum):
    SOLAR_INVERTER = "solar_inverter"
    PARKING_SENSOR = "parking_sensor"
    FRIDGE = "fridge"
    CARGO_BIKE = "cargo_bike"
    AIR_QUALITY = "air_quality"
    EV_CHARGER = "ev_charger"
    SMART_METER = "smart_meter"


class Visibility(StrEnum):
    PRIVATE = "private"
    CIRCLE = "circle"
    PUBLIC = "public"


@dataclass
class Circle(Changeable):
    id: str
    name: str
    boundary: Boundary
    timezone: str
    created_at: datetime
    description: str = ""

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset(
        {"name", "boundary", "timezone", "description"}
    )


@dataclass
class Member(Changeable):
    id: str
    name: str
    email: str
    password_hash: str
    created_at: datetime
    max_moments_per_hour: int = 10
    quiet_from_hour: int | None = None
    quiet_until_hour: int | None = None
    # When the member proved the address is theirs (a link in a mail); None until then.
    email_confirmed_at: datetime | None = None
    language: str | None = None  # the pages' and mails' language, when the member chose one

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "email",
            "password_hash",
            "max_moments_per_hour",
            "quiet_from_hour",
            "quiet_until_hour",
            "language",
        }
    )


@dataclass
class Membership:
    id: str
    circle_id: str
    member_id: str
    role: Role
    joined_at: datetime


@dataclass
class Business(Changeable):
    id: str
    circle_id: str
    owner_member_id: str
    name: str
    kind: str
    created_at: datetime
    description: str = ""

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"name", "kind", "description"})


@dataclass
class Site(Changeable):
    id: str
    business_id: str
    name: str
    place: Place
    created_at: datetime
    address: str = ""

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"name", "place", "address"})


@dataclass
class Thing(Changeable):
    id: str
    circle_id: str
    owner_kind: PartyKind
    owner_id: str
    kind: ThingKind
    name: str
    place: Place
    visibility: Visibility
    created_at: datetime
    state: dict[str, Any] = field(default_factory=dict)
    last_seen_at: datetime | None = None
    # When ``place`` was last set: by the owner, or by an event that reported where the thing
    # is (a cargo bike's GPS). An event that happened before it does not move the thing back.
    located_at: datetime | None = None

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"name", "place", "visibility"})

    def locate(self, place: Place, at: datetime) -> bool:
        """The thing was at ``place`` at ``at``: move it there unless it was placed later.
        Whether it moved."""
        if self.located_at is not None and at <= self.located_at:
            return False
        self.place, self.located_at = place, at
        return True
