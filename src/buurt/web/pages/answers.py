"""A moment's one step on the pages: reserve the stock or book the thing that answered a need.

The moment card (``_moment.html``) carries the form; the answer is a page that says what was
held or booked, with a button to confirm a reservation into an order (``stock`` handles it,
with the member's other reservations on ``/reservations``). Plain forms with CSRF:
everything works without script. Refusals (beyond stock, a taken slot) are domain errors,
which ``web/problems.py`` answers with an HTML page.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.bookings import Bookable
from buurt.domain.community import Site, Thing
from buurt.domain.stock import Item
from buurt.services.publishing import answering
from buurt.services.publishing import home as home_view
from buurt.web.pages.forms import signed_form, whole_number
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
Ident = Annotated[str, Path(max_length=64)]


@router.post("/moments/{moment_id}/reserve", response_class=HTMLResponse)
async def reserve(request: Request, moment_id: Ident, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    quantity = whole_number(form.get("quantity", ""), "quantity") or 1
    services = services_of(request)
    held = await run_in_threadpool(
        lambda: answering.reserve(services, who, moment_id, quantity=quantity)
    )
    with services.uow() as uow:
        item = uow.repo(Item).get(held.item_id)
        site = uow.repo(Site).get(held.site_id)
    zone = ZoneInfo(home_view.timezone_of(services, held.circle_id))
    context = {
        "reservation": held,
        "what": item.name if item else "",
        "where": site.name if site else "",
        "zone": zone,
    }
    return render(request, "answered.html", context, who, status_code=201)


@router.post("/moments/{moment_id}/book", response_class=HTMLResponse)
async def book(request: Request, moment_id: Ident, who: Viewer) -> Response:
    _form, who = await signed_form(request, who)
    services = services_of(request)
    booked = await run_in_threadpool(answering.book, services, who, moment_id)
    with services.uow() as uow:
        bookable = uow.repo(Bookable).get(booked.bookable_id)
        thing = uow.repo(Thing).get(bookable.thing_id) if bookable else None
    zone = ZoneInfo(home_view.timezone_of(services, booked.circle_id))
    context = {"booking": booked, "what": thing.name if thing else "", "zone": zone}
    return render(request, "answered.html", context, who, status_code=201)
