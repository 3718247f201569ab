"""All-or-nothing campaigns: a business makes a proposal if enough neighbours pledge.

A campaign has a unit price, a threshold (a number of pledges, or of units), a deadline and
optionally a maximum of units. Verified neighbours pledge a quantity before the deadline and
may change or withdraw it until then. After the deadline it is settled once:

    open ──> succeeded   (threshold met: every pledge became an order)
      └────> failed      (not met: every pledge was released)

A ``Settlement`` row, keyed by the campaign's id, is the claim: whoever inserts it settles,
and a second insert is refused by the store, so no campaign is settled twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from buurt.domain.errors import InvalidInput, InvalidTransition

MAX_QUANTITY = 1000
MAX_THRESHOLD = 100_000
LONGEST = timedelta(days=180)


class ThresholdKind(StrEnum):
    PLEDGES = "pledges"
    UNITS = "units"


class CampaignStatus(StrEnum):
    OPEN = "open"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class PledgeStatus(StrEnum):
    PLEDGED = "pledged"
    ORDERED = "ordered"  # the campaign succeeded: the pledge is an order
    RELEASED = "released"  # the campaign failed: nothing is owed


@dataclass
class Campaign:
    id: str
    circle_id: str
    proposal_id: str
    business_id: str
    title: str
    unit_price: float
    threshold_kind: ThresholdKind
    threshold: int
    deadline: datetime
    created_at: datetime
    updated_at: datetime
    max_units: int | None = None
    status: CampaignStatus = CampaignStatus.OPEN
    settled_at: datetime | None = None

    def check(self, at: datetime) -> None:
        """The campaign's own rules, when it is made."""
        if self.unit_price < 0:
            raise InvalidInput("a price is never negative", "unit_price")
        if not 1 <= self.threshold <= MAX_THRESHOLD:
            raise InvalidInput(f"a threshold is 1 to {MAX_THRESHOLD}", "threshold")
        if self.deadline <= at:
            raise InvalidInput("the deadline has to be in the future", "deadline")
        if self.deadline - at > LONGEST:
            raise InvalidInput(f"a campaign runs at most {LONGEST.days} days", "deadline")
        # Every pledge is at least one unit, so a maximum below the threshold could never
        # be met, whichever way the threshold counts.
        if self.max_units is not None and self.max_units < self.threshold:
            raise InvalidInput("the maximum is below the threshold", "max_units")

    def pledgeable(self, at: datetime) -> None:
        """``InvalidTransition`` unless pledges may still be made or changed at ``at``."""
        if self.status is not CampaignStatus.OPEN or at >= self.deadline:
            raise InvalidTransition("the campaign's deadline has passed: pledges are closed")

    def room(self, units: int, quantity: int) -> None:
        """Refuse a pledge of ``quantity`` that would take ``units`` past the maximum."""
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput(f"a pledge is for 1 to {MAX_QUANTITY} units", "quantity")
        if self.max_units is not None and units + quantity > self.max_units:
            left = max(self.max_units - units, 0)
            raise InvalidTransition(f"only {left} units are left in this campaign")

    def met(self, pledges: int, units: int) -> bool:
        reached = pledges if self.threshold_kind is ThresholdKind.PLEDGES else units
        return reached >= self.threshold

    def due(self, at: datetime) -> bool:
        return self.status is CampaignStatus.OPEN and at >= self.deadline


@dataclass
class Pledge:
    id: str
    campaign_id: str
    member_id: str | None  # None once the member erased their account (settled campaigns)
    quantity: int
    created_at: datetime
    updated_at: datetime
    status: PledgeStatus = PledgeStatus.PLEDGED
    order_id: str | None = None


@dataclass
class Settlement:
    """The one settlement of a campaign: its claim, its outcome and what it counted."""

    id: str  # the campaign's id
    settled_at: datetime
    succeeded: bool = False
    pledges: int = 0
    units: int = 0


def totals(pledges: Sequence[Pledge]) -> tuple[int, int]:
    """How many pledges, and how many units, stand."""
    standing = [p for p in pledges if p.status is not PledgeStatus.RELEASED]
    return len(standing), sum(p.quantity for p in standing)


def require_open(campaign: Campaign) -> None:
    if campaign.status is not CampaignStatus.OPEN:
        raise InvalidTransition(f"the campaign is {campaign.status}")
