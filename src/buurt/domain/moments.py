"""Moments: a match that passed consent and relevance checks, and its lifecycle.

delivered ──> accepted ──> fulfilled
    │             └──────> cancelled
    ├──────> declined
    └──────> expired
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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
