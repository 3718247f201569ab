"""``/v1/circles/{id}/aggregates``: counts for the circle's businesses, never profiles.

Counts per H3 cell, category and local hour; a bucket of fewer than k distinct members (the
charter's k) is left out, and a question that would single out fewer than k members against
an earlier answer is refused. See docs/counts.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.charter import AggregateKind
from buurt.services.aggregates import counts
from buurt.web.api.deps import PrincipalDep, ServicesDep
from buurt.web.api.schemas import Instant
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/circles/{circle_id}/aggregates",
    tags=["aggregates"],
    responses=responses(400, 401, 404, 413, 422),
)
CircleId = Annotated[str, Path(max_length=64)]


class BucketOut(BaseModel):
    cell: str = Field(description="H3 cell at the asked resolution.")
    category: str
    hour: int = Field(description="Hour of day, 0-23, in the circle's timezone.")
    count: int


class AggregateOut(BaseModel):
    circle_id: str
    business_id: str
    kind: AggregateKind
    resolution: int
    window_from: datetime = Field(alias="from", serialization_alias="from")
    window_until: datetime = Field(alias="until", serialization_alias="until")
    k: int = Field(description="Buckets with fewer distinct members than this are left out.")
    buckets: list[BucketOut]
    epsilon: float = Field(description="Privacy budget this answer spent (0 without noise).")
    budget_left: float | None = Field(description="Epsilon left for 30 days; null: no noise.")
    repeated: bool = Field(description="The same question was answered before; same answer.")

    model_config = {"populate_by_name": True}


@router.get("", responses=responses(403, 409), response_model_by_alias=True)
def get_aggregates(
    circle_id: CircleId,
    services: ServicesDep,
    principal: PrincipalDep,
    kind: Annotated[AggregateKind, Query()],
    resolution: Annotated[int, Query(ge=7, le=8, description="H3 resolution, 7 or 8.")] = 8,
    start: Annotated[
        Instant | None, Query(alias="from", description="Rounded down to local midnight.")
    ] = None,
    until: Annotated[
        Instant | None,
        Query(description="Rounded up to local midnight; at most the start of today."),
    ] = None,
    business_id: Annotated[
        str | None, Query(max_length=64, description="The business a member asks for.")
    ] = None,
) -> AggregateOut:
    """Counts per H3 cell, category and hour for a business of this circle.

    Windows are whole days (at least 7, default the last 28) ending before today. 403 when
    the charter does not show this kind, or the caller is not a business of the circle; 409
    when the answer would single out fewer than k members against an earlier answer, or the
    privacy budget is spent.
    """
    result = counts.answer(
        services,
        principal,
        circle_id,
        kind=kind,
        resolution=resolution,
        start=start,
        end=until,
        business_id=business_id,
    )
    query = result.query
    return AggregateOut(
        circle_id=query.circle_id,
        business_id=query.business_id,
        kind=AggregateKind(query.kind),
        resolution=query.resolution,
        window_from=query.window_from,
        window_until=query.window_until,
        k=result.k,
        buckets=[BucketOut(**b) for b in query.answer],
        epsilon=query.epsilon if not result.repeated else 0.0,
        budget_left=result.budget_left,
        repeated=result.repeated,
    )
