"""``/v1/subscriptions``: standing interests ("tell me when ..."). Private to their owner."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.activity import Subscription
from buurt.services import resources as res
from buurt.services.publishing import subscriptions
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.kinds import SourceKind
from buurt.web.api.schemas import (
    WHOLE,
    AreaModel,
    Category,
    Instant,
    Name,
    Page,
    Strict,
    area_to_domain,
    changes,
    page_of,
)
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/subscriptions", tags=["subscriptions"], responses=responses(400, 401, 413, 422)
)
SubscriptionId = Annotated[str, Path(max_length=64)]
PREDICATE_PATTERN = (
    r"^ *[a-z_][a-z0-9_]{0,63} *(==|!=|<=|>=|<|>) *"
    r'(-?[0-9]{1,15}(\.[0-9]{1,15})?|"[^"\\\x00]{0,100}"|true|false) *$'
)
Predicate = Annotated[
    str,
    Field(
        max_length=200,
        pattern=PREDICATE_PATTERN,
        examples=["price <= 5", 'kind == "solar"', "available == true"],
    ),
]
Categories = Annotated[list[Category], Field(min_length=1, max_length=20)]
Predicates = Annotated[list[Predicate], Field(max_length=20)]
WeeklyHours = Annotated[
    list[Annotated[int, Field(ge=0, le=167), WHOLE]],
    Field(max_length=168, description="Hours of the week (0 = Monday 00:00) in the circle's time."),
]


class SubscriptionIn(Strict):
    circle_id: str = Field(max_length=64)
    name: Name
    categories: Categories
    area: AreaModel
    business_id: str | None = Field(
        default=None, max_length=64, description="Subscribe as this business; omit for you."
    )
    predicates: Predicates = Field(default_factory=list)
    weekly_hours: WeeklyHours | None = None
    active_from: Instant | None = None
    active_until: Instant | None = None


class SubscriptionUpdate(Strict):
    name: Name | None = None
    categories: Categories | None = None
    area: AreaModel | None = None
    predicates: Predicates | None = None
    weekly_hours: WeeklyHours | None = None
    active_from: Instant | None = None
    active_until: Instant | None = None


class SubscriptionOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    owner_kind: SourceKind
    owner_id: str
    name: str
    categories: list[str]
    area: AreaModel
    predicates: list[str]
    weekly_hours: list[int] | None
    active_from: datetime | None
    active_until: datetime | None
    created_at: datetime


@router.post("", status_code=201, responses=idempotent_responses(403))
def subscribe(body: SubscriptionIn, principal: PrincipalDep, once: OnceDep) -> SubscriptionOut:
    values = body.model_dump(exclude={"area"})
    subscription = subscriptions.subscribe(
        once.services(Subscription, SubscriptionOut),
        principal,
        area=area_to_domain(body.area),
        **values,
    )
    return SubscriptionOut.model_validate(subscription)


@router.get("")
def list_subscriptions(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SubscriptionOut]:
    """Your subscriptions and your businesses'."""
    page = res.list_page(
        services,
        principal,
        Subscription,
        subscriptions.POLICY,
        where={"circle_id": circle_id},
        after=cursor,
        limit=limit,
    )
    return page_of(SubscriptionOut, page)


@router.get("/{subscription_id}", responses=responses(404))
def get(
    subscription_id: SubscriptionId, services: ServicesDep, principal: PrincipalDep
) -> SubscriptionOut:
    subscription = res.get(services, principal, Subscription, subscriptions.POLICY, subscription_id)
    return SubscriptionOut.model_validate(subscription)


@router.patch("/{subscription_id}", responses=responses(403, 404))
def update(
    subscription_id: SubscriptionId,
    body: SubscriptionUpdate,
    services: ServicesDep,
    principal: PrincipalDep,
) -> SubscriptionOut:
    update = changes(
        body,
        nullable={"weekly_hours", "active_from", "active_until"},
        convert={"area": area_to_domain},
    )
    subscription = subscriptions.update_subscription(services, principal, subscription_id, update)
    return SubscriptionOut.model_validate(subscription)


@router.delete("/{subscription_id}", status_code=204, responses=responses(403, 404))
def delete(subscription_id: SubscriptionId, services: ServicesDep, principal: PrincipalDep) -> None:
    subscriptions.delete_subscription(services, principal, subscription_id)
