"""``/v1/reviews``: verified reviews of businesses, and their answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.reviews import FulfilmentKind
from buurt.services.cocreation import reviews
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import WHOLE, Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/reviews", tags=["reviews"], responses=responses(400, 401, 413, 422))
ReviewId = Annotated[str, Path(max_length=64)]
ReviewText = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]
Stars = Annotated[int, Field(ge=1, le=5), WHOLE]


class ReviewIn(Strict):
    fulfilment_kind: FulfilmentKind = Field(
        description="`order` (one you collected) or `moment` (one fulfilled with the business)."
    )
    fulfilment_id: str = Field(max_length=64)
    rating: Stars
    text: ReviewText


class AnswerIn(Strict):
    text: ReviewText


class ReviewOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    business_id: str
    member_id: str | None
    fulfilment_kind: FulfilmentKind
    fulfilment_id: str
    rating: int
    text: str
    answer: str | None
    answered_at: datetime | None
    hidden_reason: str | None
    created_at: datetime


@router.post("", status_code=201, responses=responses(403, 409))
def write(body: ReviewIn, services: ServicesDep, principal: PrincipalDep) -> ReviewOut:
    """Review a business for a fulfilment of yours: one review per fulfilment."""
    return ReviewOut.model_validate(reviews.write(services, principal, **body.model_dump()))


@router.get("")
def list_reviews(
    services: ServicesDep,
    principal: PrincipalDep,
    business_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReviewOut]:
    """Reviews in your circles, oldest first."""
    page = reviews.listing(services, principal, {"business_id": business_id}, cursor, limit)
    return page_of(ReviewOut, page)


@router.get("/{review_id}", responses=responses(404))
def get(review_id: ReviewId, services: ServicesDep, principal: PrincipalDep) -> ReviewOut:
    return ReviewOut.model_validate(reviews.get(services, principal, review_id))


@router.post("/{review_id}/answer", responses=responses(403, 404, 409))
def answer(
    review_id: ReviewId, body: AnswerIn, services: ServicesDep, principal: PrincipalDep
) -> ReviewOut:
    """The business answers the review, once."""
    return ReviewOut.model_validate(reviews.answer(services, principal, review_id, body.text))
