"""What happens and what is wanted: events, intents, offers and subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from buurt.domain.places import Area, Place


class SourceKind(StrEnum):
    THING = "thing"
    MEMBER = "member"
    BUSINESS = "business"


class IntentStatus(StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class OfferStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    SOLD_OUT = "sold_out"


@dataclass
class Event:
    """Something that happened, published by a thing, a member or a business."""

    id: str
    circle_id: str
    source_kind: SourceKind
    source_id: str
    kind: str
    place: Place
    occurred_at: datetime
    received_at: datetime
    attributes: dict[str, Any] = field(default_factory=dict)
    # The source's own id for the event (unique per source): a resent event is stored once.
    message_id: str | None = None


@dataclass
class Intent:
    """A member's need (pull, not push): what, where, when and within which limits."""

    id: str
    circle_id: str
    member_id: str
    category: str
    area: Area
    created_at: datetime
    text: str = ""
    window_start: datetime | None = None
    window_end: datetime | None = None
    max_price: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    status: IntentStatus = IntentStatus.OPEN


@dataclass
class Offer:
    """What a business, or a neighbour, can supply."""

    id: str
    circle_id: str
    owner_kind: SourceKind
    owner_id: str
    category: str
    title: str
    area: Area
    created_at: datetime
    description: str = ""
    price: float | None = None
    quantity: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    status: OfferStatus = OfferStatus.ACTIVE


@dataclass
class Subscription:
    """A standing interest: "tell me when ..." held by a member or a business."""

    id: str
    circle_id: str
    owner_kind: SourceKind
    owner_id: str
    name: str
    categories: list[str]
    area: Area
    created_at: datetime
    predicates: list[str] = field(default_factory=list)
    weekly_hours: list[int] | None = None
    active_from: datetime | None = None
    active_until: datetime | None = None
