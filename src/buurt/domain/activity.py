"""What happens and what is wanted: events, intents, offers and subscriptions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from buurt.domain.changes import Changeable
from buurt.domain.errors import InvalidTransition
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Place


class IntentStatus(StrEnum):
    """open ──> fulfilled | withdrawn | expired; the last three are final."""

    OPEN = "open"
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class OfferStatus(StrEnum):
    """active <──> sold_out, either ──> withdrawn (final)."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    SOLD_OUT = "sold_out"


# The lifecycle steps a member or business may take (an intent expires by itself).
INTENT_STEPS = {IntentStatus.OPEN: {IntentStatus.WITHDRAWN, IntentStatus.FULFILLED}}
OFFER_STEPS = {
    OfferStatus.ACTIVE: {OfferStatus.SOLD_OUT, OfferStatus.WITHDRAWN},
    OfferStatus.SOLD_OUT: {OfferStatus.ACTIVE, OfferStatus.WITHDRAWN},
}


def _change_with_status(
    entity: Intent | Offer, kind: str, steps: Mapping[Any, set[Any]], changes: Mapping[str, Any]
) -> None:
    """Apply ``changes``; a ``status`` among them must be one of ``steps`` from the current."""
    rest = dict(changes)
    wanted = rest.pop("status", None)
    if (
        wanted is not None
        and wanted != entity.status
        and wanted not in steps.get(entity.status, ())
    ):
        raise InvalidTransition(f"an {entity.status} {kind} cannot become {wanted}")
    Changeable.change(entity, rest)
    if wanted is not None:
        entity.status = wanted


@dataclass
class Event:
    """Something that happened, published by a thing, a member or a business."""

    id: str
    circle_id: str
    source_kind: PartyKind
    source_id: str
    kind: str
    place: Place
    occurred_at: datetime
    received_at: datetime
    attributes: dict[str, Any] = field(default_factory=dict)
    # The source's own id for the event (unique per source): a resent event is stored once.
    message_id: str | None = None


@dataclass
class Intent(Changeable):
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

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset(
        {"category", "area", "text", "window_start", "window_end", "max_price", "attributes"}
    )

    def change(self, changes: Mapping[str, Any]) -> None:
        """Change what the need is; a ``status`` among the changes is a lifecycle step."""
        _change_with_status(self, "intent", INTENT_STEPS, changes)


@dataclass
class Offer(Changeable):
    """What a business, or a neighbour, can supply."""

    id: str
    circle_id: str
    owner_kind: PartyKind
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

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset(
        {
            "category",
            "title",
            "area",
            "description",
            "price",
            "quantity",
            "valid_from",
            "valid_until",
            "attributes",
        }
    )

    def change(self, changes: Mapping[str, Any]) -> None:
        """Change what is offered; a ``status`` among the changes is a lifecycle step."""
        _change_with_status(self, "offer", OFFER_STEPS, changes)

    def is_over(self, now: datetime) -> bool:
        """Past its ``valid_until`` (an offer valid from tomorrow morning is news today)."""
        return self.valid_until is not None and now >= self.valid_until


@dataclass
class Subscription(Changeable):
    """A standing interest: "tell me when ..." held by a member or a business."""

    id: str
    circle_id: str
    owner_kind: PartyKind
    owner_id: str
    name: str
    categories: list[str]
    area: Area
    created_at: datetime
    predicates: list[str] = field(default_factory=list)
    weekly_hours: list[int] | None = None
    active_from: datetime | None = None
    active_until: datetime | None = None

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset(
        {"name", "categories", "area", "predicates", "weekly_hours", "active_from", "active_until"}
    )
