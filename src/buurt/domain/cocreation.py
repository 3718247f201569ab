"""Co-creation: proposals a circle makes together, their discussion and their support.

A member or a business proposes a product, a service or an activity to a circle. Neighbours
comment (one level of replies) and verified neighbours support it, one support each, which
they may withdraw. Moderators of the circle hide a proposal or a comment, saying why.

Ranking by recent support is a time-decayed count: every support counts ``1`` when it is
given and half as much every ``HALF_LIFE`` after, so

    trend(t) = Σ over standing supports s of 2 ** (-(t - s.created_at) / HALF_LIFE)

A proposal keeps ``trend`` as of ``trend_at``; a new support adds one at its instant, a
withdrawn one takes off what it still counted, and any later value is the kept one decayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from buurt.domain.changes import Changeable
from buurt.domain.errors import InvalidInput, InvalidTransition
from buurt.domain.parties import PartyKind

HALF_LIFE = timedelta(days=3)
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_COMMENT = 2000
MAX_REASON = 500
MAX_IMAGES = 6  # images per proposal
# What an uploaded image may be, by what it says it is and what its bytes turn out to be.
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000  # larger is refused before it is decoded (a small file can unpack huge)


class ProposalStatus(StrEnum):
    OPEN = "open"
    CAMPAIGN = "campaign"  # a business turned it into a campaign
    CLOSED = "closed"  # its author closed it


class ProposalSort(StrEnum):
    RECENT = "recent"  # time-decayed recent support
    NEWEST = "newest"
    MOST_SUPPORTED = "most_supported"


def decayed(value: float, since: datetime, at: datetime) -> float:
    """``value`` counted at ``since``, as it counts at ``at``."""
    elapsed = max((at - since) / HALF_LIFE, 0.0)
    return float(value * 2.0 ** (-elapsed))


def required_text(value: str, field: str, longest: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"the {field} is empty", field)
    if len(text) > longest:
        raise InvalidInput(f"the {field} is longer than {longest} characters", field)
    return text


@dataclass
class Proposal(Changeable):
    """What a circle could have made: a product, a service or an activity."""

    id: str
    circle_id: str
    author_kind: PartyKind
    author_id: str | None  # None once a member author erased their account
    title: str
    description: str
    category: str
    created_at: datetime
    updated_at: datetime
    price_idea: float | None = None
    status: ProposalStatus = ProposalStatus.OPEN
    support_count: int = 0
    trend: float = 0.0
    trend_at: datetime | None = None
    hidden_reason: str | None = None

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset(
        {"title", "description", "category", "price_idea"}
    )

    def trend_at_instant(self, at: datetime) -> float:
        if self.trend_at is None:
            return 0.0
        return decayed(self.trend, self.trend_at, at)

    def supported(self, at: datetime) -> None:
        self._require_open("support")
        self.trend = self.trend_at_instant(at) + 1.0
        self.trend_at = at
        self.support_count += 1

    def unsupported(self, given_at: datetime, at: datetime) -> None:
        """A support given at ``given_at`` is withdrawn (or its member erased) at ``at``."""
        self.trend = max(self.trend_at_instant(at) - decayed(1.0, given_at, at), 0.0)
        self.trend_at = at
        self.support_count = max(self.support_count - 1, 0)

    def turned_into_campaign(self, at: datetime) -> None:
        self._require_open("turn into a campaign")
        self.status = ProposalStatus.CAMPAIGN
        self.updated_at = at

    def _require_open(self, doing: str) -> None:
        if self.hidden_reason is not None:
            raise InvalidTransition(f"a hidden proposal is not there to {doing}")
        if self.status is not ProposalStatus.OPEN:
            raise InvalidTransition(f"a proposal that is {self.status} is not open to {doing}")


@dataclass
class Comment:
    """A comment on a proposal, or a reply to one (never a reply to a reply)."""

    id: str
    proposal_id: str
    author_kind: PartyKind
    author_id: str | None
    text: str
    created_at: datetime
    parent_id: str | None = None
    hidden_reason: str | None = None


@dataclass
class Support:
    """One verified neighbour's support of a proposal (one per member and proposal)."""

    id: str
    proposal_id: str
    member_id: str
    created_at: datetime


@dataclass
class ProposalImage:
    """An image of a proposal; its bytes are a file under the media folder, not in the store."""

    id: str
    proposal_id: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    created_at: datetime
