"""Orders: a confirmed reservation or a settled pledge, collected at a local business.

placed ──> ready ──> collected
   │         │
   └─────────┴──> cancelled

The business prepares and hands over (``ready``, ``collected``); the member may cancel an order
that is still only placed; the business may cancel one that is placed or ready, saying why.
``collected`` and ``cancelled`` are final. A collected order is a fulfilment: it lets the member
review the business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from buurt.domain.errors import InvalidInput, InvalidTransition, PermissionDenied
from buurt.domain.parties import PartyKind


class OrderSource(StrEnum):
    """What the order was made from."""

    RESERVATION = "reservation"
    PLEDGE = "pledge"


class OrderStatus(StrEnum):
    PLACED = "placed"
    READY = "ready"
    COLLECTED = "collected"
    CANCELLED = "cancelled"


# Which party may take which step, from which status.
STEPS: dict[tuple[OrderStatus, OrderStatus], frozenset[PartyKind]] = {
    (OrderStatus.PLACED, OrderStatus.READY): frozenset({PartyKind.BUSINESS}),
    (OrderStatus.READY, OrderStatus.COLLECTED): frozenset({PartyKind.BUSINESS}),
    (OrderStatus.PLACED, OrderStatus.CANCELLED): frozenset({PartyKind.BUSINESS, PartyKind.MEMBER}),
    (OrderStatus.READY, OrderStatus.CANCELLED): frozenset({PartyKind.BUSINESS}),
}
MAX_REASON = 500


@dataclass
class Order:
    """``quantity`` units of ``title`` for a member, from a business (at one of its sites)."""

    id: str
    circle_id: str
    business_id: str
    member_id: str | None  # None once the member erased their account
    source_kind: OrderSource
    source_id: str
    title: str
    quantity: int
    created_at: datetime
    updated_at: datetime
    unit_price: float | None = None
    site_id: str | None = None
    status: OrderStatus = OrderStatus.PLACED
    cancel_reason: str | None = None
    collected_at: datetime | None = None

    @property
    def total(self) -> float | None:
        return None if self.unit_price is None else round(self.unit_price * self.quantity, 2)

    def move_to(
        self, status: OrderStatus, by: PartyKind, at: datetime, reason: str | None = None
    ) -> None:
        """Take a lifecycle step as ``by`` (the business or the member)."""
        allowed = STEPS.get((self.status, status))
        if allowed is None:
            raise InvalidTransition(f"a {self.status} order cannot become {status}")
        if by not in allowed:
            who = " or ".join(sorted(allowed))
            raise PermissionDenied(f"only the {who} can mark a {self.status} order {status}")
        if status is OrderStatus.CANCELLED:
            if not reason or not reason.strip():
                raise InvalidInput("say why the order is cancelled", "reason")
            self.cancel_reason = reason.strip()[:MAX_REASON]
        elif reason:
            raise InvalidInput("a reason is given only when cancelling", "reason")
        if status is OrderStatus.COLLECTED:
            self.collected_at = at
        self.status = status
        self.updated_at = at
