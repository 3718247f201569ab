"""``/v1/moments``: matches delivered to you, or made from your needs, and their lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Path, Query, Request
from pydantic import BaseModel, Field, StrictInt
from sse_starlette import EventSourceResponse, ServerSentEvent

from buurt.adapters.streams import OVERFLOW, LiveMoments
from buurt.domain.bookings import Booking
from buurt.domain.events import DomainEvent, MomentChanged, MomentCreated
from buurt.domain.moments import Moment, MomentStatus
from buurt.domain.stock import HOLD_MINUTES, MAX_HOLD, MAX_HOLD_MINUTES, Reservation
from buurt.services import resources as res
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import answering, moments
from buurt.web.api.bookings import BookingOut
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.reservations import ReservationOut
from buurt.web.api.schemas import Instant, Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/moments", tags=["moments"], responses=responses(400, 401, 413, 422))
MomentId = Annotated[str, Path(max_length=64)]
MAX_MISSED = 5000  # a client further behind than this pages through GET /v1/moments


class MomentOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    recipient_kind: str
    recipient_id: str
    subject_member_id: str | None
    source_kind: str
    source_id: str
    standing_kind: str
    standing_id: str
    reason: str = Field(description="Why the moment came, in English words.")
    reason_code: str = Field(
        default="",
        description="Which sentence `reason` is (`offer_answers_need`, `subscription`, "
        "`campaign_ahead`, `campaign_released`, `booked`), so an app can say it in its own "
        "language; empty for a reason in words alone.",
    )
    reason_args: dict[str, Any] = Field(
        default_factory=dict, description="What the sentence of `reason_code` is made of."
    )
    status: MomentStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None


class Transition(Strict):
    status: MomentStatus


class ReserveIn(Strict):
    quantity: Annotated[StrictInt, Field(ge=1, le=MAX_HOLD)] = 1
    hold_minutes: Annotated[StrictInt, Field(ge=1, le=MAX_HOLD_MINUTES)] = HOLD_MINUTES


class BookIn(Strict):
    starts_at: Instant | None = Field(default=None, description="Defaults to the need's window.")
    ends_at: Instant | None = Field(default=None, description="Defaults to the need's window.")


@router.get("")
def list_moments(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    status: MomentStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MomentOut]:
    page = res.list_page(
        services,
        principal,
        Moment,
        moments.POLICY,
        where={"circle_id": circle_id, "status": status},
        after=cursor,
        limit=limit,
    )
    return page_of(MomentOut, page)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The live stream."}},
)
async def stream(
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> EventSourceResponse:
    """Your moments as Server-Sent Events, live: `moment.created` and `moment.changed`, each
    with the moment as `data` and its id as the event id. Reconnect with `Last-Event-ID` to
    get what you missed first. A comment line every 15 s keeps the connection alive."""
    live: LiveMoments = request.app.state.instance.live_moments

    def accepts(event: DomainEvent) -> bool:
        return isinstance(event, MomentCreated | MomentChanged) and moments.is_party(
            principal, event.moment
        )

    async def events() -> AsyncIterator[ServerSentEvent]:
        # Followed before the store is read: a moment made meanwhile comes live, and once.
        async with live.follow(moments.parties_of(principal), accepts) as queue:
            sent = last_event_id or ""
            if last_event_id is not None:
                for moment in await anyio.to_thread.run_sync(_missed, services, principal, sent):
                    sent = moment.id
                    yield _event(MomentCreated.name, moment)
            while True:
                item = await queue.get()
                if item is OVERFLOW:
                    return
                if isinstance(item, MomentCreated) and item.moment.id <= sent:
                    continue  # already sent from the store
                yield _event(item.name, item.moment)

    return EventSourceResponse(events(), ping=15)


def _missed(services: Services, principal: Principal, after: str) -> list[Moment]:
    found: list[Moment] = []
    cursor: str | None = after
    while cursor is not None and len(found) < MAX_MISSED:
        page = res.list_page(services, principal, Moment, moments.POLICY, after=cursor, limit=500)
        found += page.items
        cursor = page.next_cursor
    return found


def _event(topic: str, moment: Moment) -> ServerSentEvent:
    body = MomentOut.model_validate(moment).model_dump_json()
    return ServerSentEvent(data=body, event=topic, id=moment.id)


@router.get("/{moment_id}", responses=responses(404))
def get(moment_id: MomentId, services: ServicesDep, principal: PrincipalDep) -> MomentOut:
    return MomentOut.model_validate(res.get(services, principal, Moment, moments.POLICY, moment_id))


@router.post("/{moment_id}/transitions", responses=responses(403, 404, 409))
def transition(
    moment_id: MomentId, body: Transition, services: ServicesDep, principal: PrincipalDep
) -> MomentOut:
    """Accept or decline (the recipient), then mark fulfilled or cancelled (either party)."""
    return MomentOut.model_validate(moments.transition(services, principal, moment_id, body.status))


@router.post("/{moment_id}/reserve", status_code=201, responses=idempotent_responses(403, 404, 409))
def reserve(
    moment_id: MomentId, principal: PrincipalDep, once: OnceDep, body: ReserveIn | None = None
) -> ReservationOut:
    """Reserve the stock a moment of your need names (1 unit unless you say more): 409 when
    fewer are free, or when the moment names no stock. With an ``Idempotency-Key``, a retry
    gets the first reservation, never a second."""
    body = body or ReserveIn()
    services = once.services(Reservation, ReservationOut)
    held = answering.reserve(services, principal, moment_id, **body.model_dump())
    return ReservationOut.model_validate(held)


@router.post("/{moment_id}/book", status_code=201, responses=idempotent_responses(403, 404, 409))
def book(
    moment_id: MomentId, principal: PrincipalDep, once: OnceDep, body: BookIn | None = None
) -> BookingOut:
    """Book the shared thing a moment of your need names, for the need's window unless you
    give another: 409 when part of it is booked already, or the moment names no thing."""
    body = body or BookIn()
    services = once.services(Booking, BookingOut)
    booked = answering.book(services, principal, moment_id, **body.model_dump())
    return BookingOut.model_validate(booked)
