"""``/v1/webhooks``: endpoints that receive signed moments, and their deliveries. Owner only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, StrictBool

from buurt.domain.webhooks import MAX_URL_LENGTH, DeliveryStatus, WebhookEndpoint, WebhookTopic
from buurt.services import resources as res
from buurt.services.webhooks import deliveries, endpoints
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Page, Strict, Text, changes, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/webhooks", tags=["webhooks"], responses=responses(400, 401, 413, 422)
)
WebhookId = Annotated[str, Path(max_length=64)]
DeliveryId = Annotated[str, Path(max_length=64)]
Url = Annotated[
    str,
    Field(
        min_length=8,
        max_length=MAX_URL_LENGTH,
        pattern=r"^[hH][tT][tT][pP][sS]?://[^\x00-\x20\x7f#]+$",
        examples=["https://example.com/buurt/webhooks"],
        description="An http(s) URL whose host resolves to public addresses only.",
    ),
]
Topics = Annotated[
    list[WebhookTopic],
    Field(min_length=1, max_length=len(WebhookTopic), description="The topics to receive."),
]


class WebhookIn(Strict):
    url: Url
    topics: Topics
    description: Text = ""
    active: StrictBool = True
    business_id: str | None = Field(
        default=None, max_length=64, description="Register for this business; omit for you."
    )


class WebhookUpdate(Strict):
    url: Url | None = None
    topics: Topics | None = None
    description: Text | None = None
    active: StrictBool | None = None


class WebhookOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    owner_kind: str
    owner_id: str
    url: str
    description: str
    topics: list[str]
    active: bool
    disabled_reason: str | None = Field(description="Why Buurt disabled it, if it did.")
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (`Buurt-Signature`). Shown only now: keep it."
    )


class DeliveryOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str = Field(description="Also the `Buurt-Idempotency-Key` of every attempt.")
    endpoint_id: str
    topic: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    payload: dict[str, Any]


def _with_secret(endpoint: WebhookEndpoint) -> WebhookWithSecret:
    return WebhookWithSecret.model_validate(endpoint)


@router.post("", status_code=201, responses=responses(403, 409))
def register(body: WebhookIn, services: ServicesDep, principal: PrincipalDep) -> WebhookWithSecret:
    """Register an endpoint. The answer holds its signing secret, which is never shown again."""
    endpoint = endpoints.register(services, principal, **body.model_dump())
    return _with_secret(endpoint)


@router.get("")
def list_webhooks(
    services: ServicesDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[WebhookOut]:
    """Your endpoints and your businesses'."""
    page = res.list_page(
        services, principal, WebhookEndpoint, endpoints.POLICY, after=cursor, limit=limit
    )
    return page_of(WebhookOut, page)


@router.get("/{webhook_id}", responses=responses(404))
def get(webhook_id: WebhookId, services: ServicesDep, principal: PrincipalDep) -> WebhookOut:
    endpoint = res.get(services, principal, WebhookEndpoint, endpoints.POLICY, webhook_id)
    return WebhookOut.model_validate(endpoint)


@router.patch("/{webhook_id}", responses=responses(403, 404))
def update(
    webhook_id: WebhookId, body: WebhookUpdate, services: ServicesDep, principal: PrincipalDep
) -> WebhookOut:
    """Change it; setting `active` to true again resumes its pending deliveries."""
    endpoint = endpoints.update_endpoint(services, principal, webhook_id, changes(body))
    return WebhookOut.model_validate(endpoint)


@router.delete("/{webhook_id}", status_code=204, responses=responses(403, 404))
def delete(webhook_id: WebhookId, services: ServicesDep, principal: PrincipalDep) -> None:
    """Remove it, with its deliveries."""
    endpoints.delete_webhook(services, principal, webhook_id)


@router.post("/{webhook_id}/rotate-secret", responses=responses(403, 404))
def rotate_secret(
    webhook_id: WebhookId, services: ServicesDep, principal: PrincipalDep
) -> WebhookWithSecret:
    """A new signing secret, shown only now; the old one stops signing at once."""
    return _with_secret(endpoints.rotate_secret(services, principal, webhook_id))


@router.get("/{webhook_id}/deliveries", responses=responses(404))
def list_deliveries(
    webhook_id: WebhookId,
    services: ServicesDep,
    principal: PrincipalDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryOut]:
    """The endpoint's deliveries, oldest first: attempts made, last answer, what comes next."""
    page = deliveries.list_deliveries(
        services, principal, webhook_id, status=status, after=cursor, limit=limit
    )
    return page_of(DeliveryOut, page)


@router.get("/{webhook_id}/deliveries/{delivery_id}", responses=responses(404))
def get_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, services: ServicesDep, principal: PrincipalDep
) -> DeliveryOut:
    delivery = deliveries.get_delivery(services, principal, webhook_id, delivery_id)
    return DeliveryOut.model_validate(delivery)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    responses=responses(403, 404, 409),
)
def redeliver(
    webhook_id: WebhookId, delivery_id: DeliveryId, services: ServicesDep, principal: PrincipalDep
) -> DeliveryOut:
    """Send it again now, with fresh attempts and the same idempotency key."""
    delivery = deliveries.redeliver(services, principal, webhook_id, delivery_id)
    return DeliveryOut.model_validate(delivery)
