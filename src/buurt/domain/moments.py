"""Moments: a match that passed consent and relevance checks, and its lifecycle.

delivered ──> accepted ──> fulfilled
    │             └──────> cancelled
    ├──────> declined
    └──────> expired
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from buurt.domain.errors import InvalidTransition
from buurt.domain.parties import PartyKind


class PublicationKind(StrEnum):
    """What a moment answers: an event, a new intent or a new offer."""

    EVENT = "event"
    INTENT = "intent"
    OFFER = "offer"
    CAMPAIGN = "campaign"  # a campaign's settlement, told to its pledgers and followers
    BOOKING = "booking"  # a booking of a shared thing, told to its owner
    COMMENT = "comment"  # a comment on a followed proposal


class StandingKind(StrEnum):
    """The standing record the publication matched."""

    SUBSCRIPTION = "subscription"
    OFFER = "offer"
    INTENT = "intent"
    PLEDGE = "pledge"
    BOOKABLE = "bookable"
    STOCK = "stock"  # an item's stock at a site, found for a need
    FOLLOW = "follow"  # an update of a followed proposal or category


class ReasonCode(StrEnum):
    """Which sentence a moment's reason is. ``Moment.reason`` holds it in English (the API's
    field); the code and its arguments (``Moment.reason_args``) let a page say it in the
    page's language. A moment from before codes existed has none: its English text stands.

    The arguments of each: ``offer_answers_need``: title, category, price and limit (numbers
    or null), need, distance_m; ``subscription``: name, kind, distance_m (null when the area
    has no centre), predicates, weekly_hours, until (ISO 8601 or null); ``campaign_ahead``:
    title, quantity, order_id; ``campaign_released``: title; ``booked``: thing, starts_at,
    ends_at (ISO 8601), price (a number or null); ``stock_answers_need``: item, site,
    category, price, limit (null), available, available_from (ISO 8601 or null), need,
    distance_m; ``bookable_free``: thing, category, price and limit (numbers or null),
    starts_at, ends_at (ISO 8601), need, distance_m; ``proposal_commented``: title, excerpt;
    ``campaign_opened``: business, title, deadline (ISO 8601 date); ``campaign_settled``:
    title, succeeded (a boolean).
    """

    OFFER_ANSWERS_NEED = "offer_answers_need"
    SUBSCRIPTION = "subscription"
    CAMPAIGN_AHEAD = "campaign_ahead"
    CAMPAIGN_RELEASED = "campaign_released"
    BOOKED = "booked"
    STOCK_ANSWERS_NEED = "stock_answers_need"
    BOOKABLE_FREE = "bookable_free"
    PROPOSAL_COMMENTED = "proposal_commented"
    CAMPAIGN_OPENED = "campaign_opened"
    CAMPAIGN_SETTLED = "campaign_settled"


@dataclass(frozen=True)
class Reason:
    """Why a moment came: the English sentence and what it was made of."""

    text: str
    code: ReasonCode | None = None
    args: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The moment's fields that hold it: ``Moment(..., **reason.fields())``."""
        return {
            "reason": self.text,
            "reason_code": self.code.value if self.code else "",
            "reason_args": dict(self.args),
        }


class MomentStatus(StrEnum):
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


ALLOWED = {
    MomentStatus.DELIVERED: {MomentStatus.ACCEPTED, MomentStatus.DECLINED, MomentStatus.EXPIRED},
    MomentStatus.ACCEPTED: {MomentStatus.FULFILLED, MomentStatus.CANCELLED},
}


@dataclass
class Moment:
    id: str
    circle_id: str
    recipient_kind: PartyKind
    recipient_id: str
    source_kind: PublicationKind
    source_id: str
    standing_kind: StandingKind
    standing_id: str
    reason: str
    status: MomentStatus
    created_at: datetime
    updated_at: datetime
    subject_member_id: str | None = None
    expires_at: datetime | None = None
    reason_code: str = ""  # a ReasonCode's value, or "" for a reason in words alone
    reason_args: dict[str, Any] = field(default_factory=dict)
    # What the moment answers, and for whom: unique per publication and recipient, so a
    # publication matched again (after a crash, by another engine worker) is not told twice.
    # ``None`` for moments made otherwise (settlements, bookings) and from before keys.
    delivery_key: str | None = None

    def parties(self) -> list[tuple[str, str]]:
        """Who sees the moment, as owners ``(kind, id)``: its recipient, then the member whose
        need or data it concerns (a principal sees it when it acts for one of them)."""
        found = [(str(self.recipient_kind), self.recipient_id)]
        if self.subject_member_id is not None:
            found.append(("member", self.subject_member_id))
        return list(dict.fromkeys(found))

    def move_to(self, status: MomentStatus, at: datetime) -> None:
        if status not in ALLOWED.get(self.status, set()):
            raise InvalidTransition(f"a {self.status} moment cannot become {status}")
        self.status = status
        self.updated_at = at
