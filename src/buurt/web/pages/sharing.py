"""Sharing things by time slot, from the pages: an owner's terms, bookings, and what is nearby.

On a thing's page (``things``) its owner makes it bookable, changes the terms or stops sharing
it, and sees its calendar; a neighbour who may book it books a slot there. ``/bookings`` is a
member's own bookings, upcoming and past, each cancelled in one tap; ``/shared`` lists the
bookable things nearby that the member may book, nearest first, on the circle's map. Every
step is the use case the API calls (``services.sharing``); a refused slot or term keeps the
form and says why in the page's language (``sharing_forms``).
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import h3
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.bookings import Bookable, BookingStatus
from buurt.domain.community import Circle, Thing
from buurt.domain.errors import Conflict, InvalidInput, NotFound
from buurt.domain.places import Place
from buurt.ports import UnitOfWork
from buurt.services import resources
from buurt.services.principals import Principal
from buurt.services.sharing import bookables, bookings
from buurt.web.i18n import _
from buurt.web.pages import maps, sharing_forms
from buurt.web.pages.forms import signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, safe_next, services_of
from buurt.web.pages.stock import centre
from buurt.web.pages.things import thing_response

router = APIRouter(include_in_schema=False)
Ident = Annotated[str, Path(max_length=64)]
RADII = (500, 1000, 2000, 5000)


def _bookable_of(request: Request, who: Principal, thing_id: str) -> Bookable | None:
    try:
        return bookings.view_of_thing(services_of(request), who, thing_id).bookable
    except NotFound:
        return None


@router.post("/things/{thing_id}/bookable")
async def share(request: Request, thing_id: Ident, who: Viewer) -> Response:
    """Its owner makes the thing bookable on these terms, or changes them."""
    form, who = await signed_form(request, who)
    services = services_of(request)
    current = await run_in_threadpool(_bookable_of, request, who, thing_id)
    try:
        terms = sharing_forms.terms(form, current)
    except InvalidInput as bad:
        return await _again(request, who, thing_id, "share", form, bad.detail)
    try:
        if current is None:
            await run_in_threadpool(bookables.make_bookable, services, who, thing_id, terms)
        else:
            await run_in_threadpool(bookables.change_bookable, services, who, current.id, terms)
    except InvalidInput as bad:
        message = sharing_forms.terms_refused(bad)
        return await _again(request, who, thing_id, "share", form, message)
    return RedirectResponse(f"/things/{thing_id}#sharing", status_code=303)


@router.post("/things/{thing_id}/bookable/stop")
async def stop_sharing(request: Request, thing_id: Ident, who: Viewer) -> Response:
    """Its owner stops sharing the thing: its bookings go with its terms."""
    _form, who = await signed_form(request, who)
    current = await run_in_threadpool(_bookable_of, request, who, thing_id)
    if current is None:
        raise NotFound("thing", thing_id)
    await run_in_threadpool(
        resources.delete, services_of(request), who, Bookable, bookables.POLICY, current.id
    )
    return RedirectResponse(f"/things/{thing_id}#sharing", status_code=303)


@router.post("/things/{thing_id}/book")
async def book(request: Request, thing_id: Ident, who: Viewer) -> Response:
    form, who = await signed_form(request, who, member=True)
    services = services_of(request)
    shared = await run_in_threadpool(bookings.view_of_thing, services, who, thing_id)
    try:
        starts_at, ends_at = sharing_forms.interval(form, ZoneInfo(shared.circle.timezone))
    except InvalidInput as bad:
        return await _again(request, who, thing_id, "book", form, bad.detail)
    try:
        made = await run_in_threadpool(
            bookings.book, services, who, shared.bookable.id, starts_at, ends_at
        )
    except (InvalidInput, Conflict) as bad:
        now = services.clock.now()
        message = sharing_forms.booking_refused(bad, shared.bookable, starts_at, ends_at, now)
        status = 409 if isinstance(bad, Conflict) else 422
        return await _again(request, who, thing_id, "book", form, message, status)
    return RedirectResponse(f"/bookings#booking-{made.id}", status_code=303)


async def _again(
    request: Request,
    who: Principal,
    thing_id: str,
    which: str,
    form: dict[str, str],
    message: str,
    status: int = 422,
) -> HTMLResponse:
    """The thing's page once more, the refused form holding what was typed and why."""
    state = {f"{which}_values": form, f"{which}_error": message}
    return await run_in_threadpool(thing_response, request, who, thing_id, state, status)


@router.post("/bookings/{booking_id}/cancel")
async def cancel(request: Request, booking_id: Ident, who: Viewer) -> Response:
    """The member who booked, or the thing's owner, frees the slot."""
    form, who = await signed_form(request, who)
    await run_in_threadpool(bookings.cancel, services_of(request), who, booking_id)
    return RedirectResponse(safe_next(form.get("next") or "/bookings"), status_code=303)


@router.get("/bookings", response_class=HTMLResponse)
async def my_bookings(request: Request, who: Viewer) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/bookings", status_code=303)
    services = services_of(request)

    def read() -> dict[str, object]:
        made = bookings.mine(services, who)
        now = services.clock.now()
        with services.uow() as uow:
            names = {b.thing_id: _thing_name(uow, b.thing_id) for b in made}
            circle = uow.repo(Circle).get(min(who.circles)) if who.circles else None
        upcoming = [b for b in made if b.status is BookingStatus.BOOKED and b.ends_at > now]
        return {
            "upcoming": sorted(upcoming, key=lambda b: b.starts_at),
            "past": [b for b in made if b not in upcoming][:50],
            "names": names,
            "zone": ZoneInfo(circle.timezone if circle else "UTC"),
        }

    return render(request, "bookings.html", await run_in_threadpool(read), who)


def _thing_name(uow: UnitOfWork, thing_id: str) -> str:
    thing = uow.repo(Thing).get(thing_id)
    return thing.name if thing else ""


@router.get("/shared", response_class=HTMLResponse)
async def nearby(
    request: Request,
    who: Viewer,
    cell: Annotated[str | None, Query(max_length=20)] = None,
    radius: Annotated[int, Query(ge=100, le=bookables.MAX_RADIUS_M)] = 2000,
) -> Response:
    """Shared things nearby that the member may book, nearest first, on the circle's map."""
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/shared", status_code=303)
    services = services_of(request)

    def read() -> dict[str, object]:
        with services.uow() as uow:
            circle = uow.repo(Circle).get(min(who.circles)) if who.circles else None
        if circle is None:
            return {"circle": None}
        place = Place(*h3.cell_to_latlng(cell)) if cell and h3.is_valid_cell(cell) else None
        place = place or centre(circle)
        found = bookables.nearby(services, who, place, radius, bookables.MAX_NEARBY)
        marks = [maps.Mark(n.thing.place, n.thing.name, f"/things/{n.thing.id}", "thing")
                 for n in found]  # fmt: skip
        svg = maps.hex_map(
            maps.cells_of(circle.boundary),
            title=_("Shared things near the spot, in %(circle)s", circle=circle.name),
            marks=marks,
            here=place,
            cell_title=_("search here"),
            cell_link=lambda c: f"/shared?radius={radius}&cell={c}",
        )
        return {
            "circle": circle,
            "found": found,
            "svg": svg,
            "radius": radius,
            "radii": sorted({*RADII, radius}),
            "cell": cell if place is not None and cell else "",
        }

    return render(request, "shared.html", await run_in_threadpool(read), who)
