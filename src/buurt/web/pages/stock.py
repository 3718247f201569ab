"""Finding it in stock nearby, and holding it: ``/stock`` and ``/reservations``.

``/stock`` asks what (a category of the taxonomy), how far and for how much at most, around a
spot picked on the circle's map (its hexagons are links) or "here" (the browser's location,
with script); the nearest shops that have it are listed and marked on the map, each row with
a "Reserve" form. A reservation holds the units for a while; ``/reservations`` lists the
member's, with confirm (an order, on the home page) and cancel.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import h3
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.categories import check_category
from buurt.domain.community import Circle, Site
from buurt.domain.errors import InvalidInput
from buurt.domain.places import Place
from buurt.domain.stock import Item, Reservation, ReservationStatus
from buurt.domain.taxonomy import TAXONOMY
from buurt.services import resources
from buurt.services.commerce import finding, reservations
from buurt.services.commerce.nearest import StockQuery
from buurt.services.principals import Principal
from buurt.web.i18n import _
from buurt.web.pages import maps
from buurt.web.pages.forms import money, read_form, signed_form, whole_number
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of, stock_finder_of

router = APIRouter(include_in_schema=False)
StockId = Annotated[str, Path(max_length=64)]
RADII = (500, 1000, 2000, 5000)
MOST = 10  # units one reservation form offers


def _circle(request: Request, who: Principal, circle_id: str | None) -> Circle | None:
    with services_of(request).uow() as uow:
        chosen = circle_id if circle_id in who.circles else min(who.circles, default=None)
        return uow.repo(Circle).get(chosen) if chosen else None


def centre(circle: Circle) -> Place:
    """Where a search starts before a spot is picked: the middle of the circle's cells."""
    cells = sorted(maps.cells_of(circle.boundary))
    points = [h3.cell_to_latlng(c) for c in cells]
    return Place(sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


@router.get("/stock", response_class=HTMLResponse)
async def find(
    request: Request,
    who: Viewer,
    category: Annotated[str | None, Query(max_length=200)] = None,
    circle: Annotated[str | None, Query(max_length=64)] = None,
    cell: Annotated[str | None, Query(max_length=20)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius: Annotated[int, Query(ge=100, le=20_000)] = 2000,
    max_price: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    found = await run_in_threadpool(_circle, request, who, circle)
    if found is None:
        return render(request, "stock_find.html", {"circle": None}, who)
    if cell and h3.is_valid_cell(cell):
        place = Place(*h3.cell_to_latlng(cell))
    elif lat is not None and lon is not None:
        place = Place(lat, lon)
    else:
        place = centre(found)
    price = _price(max_price)
    chosen = category if category and _known(category) else None
    answer: list[finding.SiteWithStock] = []
    if chosen is not None:
        query = StockQuery(place, radius, chosen, limit=10, max_price=price)
        answer = await run_in_threadpool(
            finding.find, services_of(request), stock_finder_of(request), query
        )
    marks = [maps.Mark(s.site.place, s.site.name, f"#site-{s.site.id}", "shop") for s in answer]
    again = (
        f"/stock?circle={found.id}&radius={radius}&max_price={max_price}&category={chosen or ''}"
    )
    svg = maps.hex_map(
        maps.cells_of(found.boundary),
        title=_("Shops with it in stock near the spot, in %(circle)s", circle=found.name),
        marks=marks,
        here=place,
        cell_title=_("search here"),
        cell_link=lambda c: f"{again}&cell={c}",
    )
    context = {
        "circle": found,
        "place": place,
        "taxonomy": TAXONOMY,
        "radii": sorted({*RADII, radius}),  # a need's own radius, when it came from one
        "chosen": chosen,
        "radius": radius,
        "max_price": max_price,
        "answer": answer,
        "svg": svg,
        "most": MOST,
    }
    return render(request, "stock_find.html", context, who)


def _known(category: str) -> bool:
    try:
        check_category(category)
    except InvalidInput:
        return False
    return True


def _price(text: str) -> float | None:
    """A price limit as typed; one that is not a price is no limit (the form shows it)."""
    try:
        return money(text, "max_price")
    except InvalidInput:
        return None


@router.post("/stock/{stock_id}/reserve")
async def reserve(request: Request, stock_id: StockId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    quantity = whole_number(form.get("quantity", ""), "quantity") or 1
    # Beyond stock, not yours to hold, no such stock: domain errors, HTML pages (problems.py).
    held = await run_in_threadpool(
        reservations.reserve, services_of(request), who, stock_id=stock_id, quantity=quantity
    )
    return RedirectResponse(f"/reservations#reservation-{held.id}", status_code=303)


@router.get("/reservations", response_class=HTMLResponse)
async def mine(request: Request, who: Viewer) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/reservations", status_code=303)
    services = services_of(request)

    def read() -> dict[str, object]:
        page = resources.list_page(services, who, Reservation, reservations.POLICY, limit=200)
        held = sorted(page.items, key=lambda r: r.id, reverse=True)
        with services.uow() as uow:
            items = {i: uow.repo(Item).get(i) for i in {r.item_id for r in held}}
            sites = {i: uow.repo(Site).get(i) for i in {r.site_id for r in held}}
            circle = uow.repo(Circle).get(min(who.circles)) if who.circles else None
        return {
            "held": [r for r in held if r.status is ReservationStatus.HELD],
            "ended": [r for r in held if r.status is not ReservationStatus.HELD][:20],
            "items": items,
            "sites": sites,
            "zone": ZoneInfo(circle.timezone if circle else "UTC"),
        }

    return render(request, "reservations.html", await run_in_threadpool(read), who)


@router.post("/reservations/{reservation_id}/{step}")
async def step(request: Request, reservation_id: StockId, step: str, who: Viewer) -> Response:
    form = await read_form(request)
    if form is None or who is None or step not in ("confirm", "cancel"):
        return render(request, "refused.html", {}, who, status_code=403)
    services = services_of(request)
    if step == "confirm":
        done = await run_in_threadpool(reservations.confirm, services, who, reservation_id)
        return RedirectResponse(f"/#order-{done.order.id}", status_code=303)
    await run_in_threadpool(reservations.cancel, services, who, reservation_id)
    return RedirectResponse("/reservations", status_code=303)
