"""``/v1/bookables`` and ``/v1/bookings``: shared things booked by time slot."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from buurt.domain.bookings import MAX_NAMED, Audience, Bookable, Booking, BookingStatus
from buurt.domain.places import Place
from buurt.services import resources as res
from buurt.services.sharing import bookables, bookings
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Instant, Page, PlaceModel, Strict, changes, page_of
from buurt.web.problems import responses

router = APIRouter(tags=["bookings"], responses=responses(400, 401, 413, 422))
Ident = Annotated[str, Path(max_length=64)]
Minutes = Annotated[int, Field(ge=1, le=20160)]
Price = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
Days = Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)]
DayMinute = Annotated[int, Field(ge=0, le=1440)]
Members = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=MAX_NAMED)]


class BookableIn(Strict):
    thing_id: str = Field(max_length=64)
    audience: Audience = Field(
        default=Audience.VERIFIED,
        description="`verified`: the circle's verified neighbours; `named`: `named_members`.",
    )
    named_members: Members = []
    price_per_hour: Price | None = Field(default=None, description="Leave out for free.")
    min_minutes: Minutes = 30
    max_minutes: Minutes = 240
    days: Days = Field(default=[1, 2, 3, 4, 5, 6, 7], description="ISO weekdays, 1 = Monday.")
    opens: DayMinute = Field(default=0, description="Minutes after local midnight.")
    closes: DayMinute = Field(default=1440, description="Minutes after local midnight.")


class BookableUpdate(Strict):
    audience: Audience | None = None
    named_members: Members | None = None
    price_per_hour: Price | None = None
    min_minutes: Minutes | None = None
    max_minutes: Minutes | None = None
    days: Days | None = None
    opens: DayMinute | None = None
    closes: DayMinute | None = None


class BookableOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    thing_id: str
    circle_id: str
    audience: Audience
    named_members: list[str]
    price_per_hour: float | None
    min_minutes: int
    max_minutes: int
    days: list[int]
    opens: int
    closes: int
    created_at: datetime
    updated_at: datetime


class NearbyOut(BaseModel):
    bookable: BookableOut
    thing_name: str
    place: PlaceModel
    distance_m: float


class BookingIn(Strict):
    starts_at: Instant
    ends_at: Instant


class BookingOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    bookable_id: str
    thing_id: str
    circle_id: str
    member_id: str
    starts_at: datetime
    ends_at: datetime
    price: float | None
    status: BookingStatus
    created_at: datetime
    updated_at: datetime
    moment_id: str | None = Field(default=None, description="The moment it was booked from.")


class SlotOut(BaseModel):
    model_config = {"from_attributes": True}

    starts_at: datetime
    ends_at: datetime
    booking_id: str | None = Field(description="Only to the owner and the member who booked.")
    member_id: str | None = Field(description="Only to the owner and the member who booked.")


def _shown(bookable: Bookable, mine: bool) -> BookableOut:
    out = BookableOut.model_validate(bookable)
    return out if mine else out.model_copy(update={"named_members": []})


@router.post("/v1/bookables", status_code=201, responses=responses(403, 404, 409))
def make_bookable(body: BookableIn, services: ServicesDep, principal: PrincipalDep) -> BookableOut:
    """Make one of your things bookable on these terms (once per thing)."""
    terms = body.model_dump(exclude={"thing_id"})
    bookable = bookables.make_bookable(services, principal, body.thing_id, terms)
    return BookableOut.model_validate(bookable)


@router.get("/v1/bookables")
def list_bookables(
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BookableOut]:
    """The bookable things you may book or own, oldest first."""
    items, next_cursor = bookables.list_bookables(services, principal, after=cursor, limit=limit)
    with services.uow() as uow:
        shown = [_shown(b, bookables.owns(uow, principal, b)) for b in items]
    return Page[BookableOut](items=shown, next_cursor=next_cursor)


@router.get("/v1/bookables/nearby")
def nearby(
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    services: ServicesDep,
    principal: PrincipalDep,
    radius: Annotated[float, Query(gt=0, le=bookables.MAX_RADIUS_M, allow_inf_nan=False)] = 1000,
    limit: Annotated[int, Query(ge=1, le=bookables.MAX_NEARBY)] = 20,
) -> list[NearbyOut]:
    """Bookable things you may book within `radius` metres, nearest first, where they stand."""
    found = bookables.nearby(services, principal, Place(lat, lon), radius, limit)
    return [
        NearbyOut(
            bookable=_shown(n.bookable, False),
            thing_name=n.thing.name,
            place=PlaceModel(lat=n.thing.place.lat, lon=n.thing.place.lon),
            distance_m=round(n.distance_m, 1),
        )
        for n in found
    ]


@router.get("/v1/bookables/{bookable_id}", responses=responses(404))
def get_bookable(bookable_id: Ident, services: ServicesDep, principal: PrincipalDep) -> BookableOut:
    bookable = res.get(services, principal, Bookable, bookables.POLICY, bookable_id)
    with services.uow() as uow:
        return _shown(bookable, bookables.owns(uow, principal, bookable))


@router.patch("/v1/bookables/{bookable_id}", responses=responses(403, 404))
def change_bookable(
    bookable_id: Ident, body: BookableUpdate, services: ServicesDep, principal: PrincipalDep
) -> BookableOut:
    update = changes(body, nullable=["price_per_hour"])
    bookable = bookables.change_bookable(services, principal, bookable_id, update)
    return BookableOut.model_validate(bookable)


@router.delete("/v1/bookables/{bookable_id}", status_code=204, responses=responses(403, 404))
def remove_bookable(bookable_id: Ident, services: ServicesDep, principal: PrincipalDep) -> Response:
    """Stop sharing the thing: its bookings go with it."""
    res.delete(services, principal, Bookable, bookables.POLICY, bookable_id)
    return Response(status_code=204)


@router.get("/v1/bookables/{bookable_id}/calendar", responses=responses(404))
def calendar(bookable_id: Ident, services: ServicesDep, principal: PrincipalDep) -> list[SlotOut]:
    """The booked slots of the next 14 days."""
    slots = bookings.calendar_of(services, principal, bookable_id)
    return [SlotOut.model_validate(s) for s in slots]


@router.post(
    "/v1/bookables/{bookable_id}/bookings", status_code=201, responses=responses(403, 404, 409)
)
def book(
    bookable_id: Ident, body: BookingIn, services: ServicesDep, principal: PrincipalDep
) -> BookingOut:
    """Book the thing for `[starts_at, ends_at)`; 409 when part of it is booked already."""
    booking = bookings.book(services, principal, bookable_id, body.starts_at, body.ends_at)
    return BookingOut.model_validate(booking)


@router.get("/v1/bookings")
def list_bookings(
    services: ServicesDep,
    principal: PrincipalDep,
    status: BookingStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BookingOut]:
    """Your bookings, and the bookings of your things, oldest first."""
    page = res.list_page(
        services,
        principal,
        Booking,
        bookings.POLICY,
        where={"status": status},
        after=cursor,
        limit=limit,
    )
    return page_of(BookingOut, page)


@router.get("/v1/bookings/{booking_id}", responses=responses(404))
def get_booking(booking_id: Ident, services: ServicesDep, principal: PrincipalDep) -> BookingOut:
    booking = res.get(services, principal, Booking, bookings.POLICY, booking_id)
    return BookingOut.model_validate(booking)


@router.post("/v1/bookings/{booking_id}/cancel", responses=responses(403, 404, 409))
def cancel(booking_id: Ident, services: ServicesDep, principal: PrincipalDep) -> BookingOut:
    """Cancel a booking (the member who booked, or the owner): its slot is free again."""
    return BookingOut.model_validate(bookings.cancel(services, principal, booking_id))
