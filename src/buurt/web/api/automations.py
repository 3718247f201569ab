"""``/v1/automations``: your subscriptions paired with a command to one of your things."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field, StrictBool

from buurt.domain.automations import Automation
from buurt.services import resources as res
from buurt.services.sharing import automations
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Page, Strict, changes, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/automations", tags=["automations"], responses=responses(400, 401, 413, 422)
)
AutomationId = Annotated[str, Path(max_length=64)]


class AutomationIn(Strict):
    subscription_id: str = Field(max_length=64, description="One of your subscriptions.")
    thing_id: str = Field(max_length=64, description="One of your things, to command.")
    command: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", examples=["start_charging"])
    args: dict[str, Any] = Field(default_factory=dict, max_length=20, examples=[{"minutes": 60}])


class AutomationUpdate(Strict):
    command: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,63}$")
    args: dict[str, Any] | None = Field(default=None, max_length=20)
    paused: StrictBool | None = Field(default=None, description="A paused one sends nothing.")


class AutomationOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    member_id: str
    circle_id: str
    subscription_id: str
    thing_id: str
    command: str
    args: dict[str, Any]
    fired_count: int
    last_fired_at: datetime | None
    paused: bool
    last_moment_id: str | None = Field(description="The moment it last fired on.")
    last_reason: str | None = Field(description="That moment's reason: why it fired.")
    created_at: datetime
    updated_at: datetime


@router.post("", status_code=201, responses=responses(403, 404, 409))
def create(body: AutomationIn, services: ServicesDep, principal: PrincipalDep) -> AutomationOut:
    """When the subscription yields a moment, send `command` with `args` to the thing."""
    automation = automations.create_automation(
        services,
        principal,
        subscription_id=body.subscription_id,
        thing_id=body.thing_id,
        command=body.command,
        args=body.args,
    )
    return AutomationOut.model_validate(automation)


@router.get("")
def list_automations(
    services: ServicesDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AutomationOut]:
    page = res.list_page(
        services, principal, Automation, automations.POLICY, after=cursor, limit=limit
    )
    return page_of(AutomationOut, page)


@router.get("/{automation_id}", responses=responses(404))
def get(
    automation_id: AutomationId, services: ServicesDep, principal: PrincipalDep
) -> AutomationOut:
    found = res.get(services, principal, Automation, automations.POLICY, automation_id)
    return AutomationOut.model_validate(found)


@router.patch("/{automation_id}", responses=responses(403, 404))
def update(
    automation_id: AutomationId,
    body: AutomationUpdate,
    services: ServicesDep,
    principal: PrincipalDep,
) -> AutomationOut:
    """Pause or resume it, or change its command and arguments."""
    changed = automations.change_automation(services, principal, automation_id, changes(body))
    return AutomationOut.model_validate(changed)


@router.delete("/{automation_id}", status_code=204, responses=responses(403, 404))
def remove(automation_id: AutomationId, services: ServicesDep, principal: PrincipalDep) -> Response:
    res.delete(services, principal, Automation, automations.POLICY, automation_id)
    return Response(status_code=204)
