"""Verified reviews: only a member with a fulfilment (a collected order or a fulfilled moment)
reviews the business, once per fulfilment; the business answers once.

A business's rating is a Bayesian average: its reviews' mean pulled towards ``PRIOR_MEAN`` as
if it also had ``PRIOR_WEIGHT`` reviews of that rating,

    rating = (PRIOR_WEIGHT * PRIOR_MEAN + Σ ratings) / (PRIOR_WEIGHT + n)

so one five-star review does not put a newcomer above a shop with fifty good ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from buurt.domain.errors import InvalidTransition

PRIOR_MEAN = 3.0
PRIOR_WEIGHT = 5
MAX_TEXT = 2000


class FulfilmentKind(StrEnum):
    ORDER = "order"
    MOMENT = "moment"


@dataclass
class Review:
    id: str
    circle_id: str
    business_id: str
    member_id: str | None  # None once the author erased their account: the text stays
    fulfilment_kind: FulfilmentKind
    fulfilment_id: str
    rating: int
    text: str
    created_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
    hidden_reason: str | None = None

    def answered(self, text: str, at: datetime) -> None:
        if self.answer is not None:
            raise InvalidTransition("the business has answered this review already")
        self.answer = text
        self.answered_at = at


@dataclass(frozen=True)
class Rating:
    """A business's rating summary: the Bayesian average, the plain mean and the count."""

    average: float
    mean: float | None
    count: int


def rating_of(ratings: Sequence[int]) -> Rating:
    count = len(ratings)
    total = sum(ratings)
    average = (PRIOR_WEIGHT * PRIOR_MEAN + total) / (PRIOR_WEIGHT + count)
    mean = round(total / count, 2) if count else None
    return Rating(average=round(average, 2), mean=mean, count=count)
