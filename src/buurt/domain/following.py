"""Following: a member follows a proposal, or every proposal of a category in a circle. What
happens to it (a comment, a campaign opened on it, that campaign settled) is an ``Update``,
which reaches its followers as moments through the same gate as every other moment, so their
caps and quiet hours hold. They pull them with their moments; nothing is pushed at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from buurt.domain.moments import PublicationKind, Reason


def proposal_topic(proposal_id: str) -> str:
    return proposal_id


def category_topic(circle_id: str, category: str) -> str:
    return f"{circle_id}/{category}"


@dataclass
class Follow:
    """A member's follow of one proposal, or of a category (and its sub-categories) in a
    circle; ``topic`` names what is followed, once per member."""

    id: str
    circle_id: str
    member_id: str
    topic: str
    created_at: datetime
    proposal_id: str | None = None
    category: str | None = None


class UpdateKind(StrEnum):
    COMMENTED = "commented"
    CAMPAIGN_OPENED = "campaign_opened"
    CAMPAIGN_SETTLED = "campaign_settled"


@dataclass(frozen=True)
class Update:
    """Something that happened to a proposal, for its followers. ``id`` is this update's own
    (one publication to the gate); the moments name ``source_kind`` and ``source_id`` (the
    comment, or the campaign). Whoever made it (``by``) is not told of it, nor the members in
    ``told`` (a campaign's pledgers hear of its settlement as pledgers)."""

    id: str
    circle_id: str
    proposal_id: str
    category: str
    kind: UpdateKind
    source_kind: PublicationKind
    source_id: str
    reason: Reason
    by: tuple[str, str] | None = None
    told: frozenset[str] = frozenset()
