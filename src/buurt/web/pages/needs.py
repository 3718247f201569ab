"""Publishing a need in under 30 seconds, and seeing what answered it.

Two steps, each a plain page: where (a hexagon of the circle's map, or "here" from the
browser's location), then what, when and for how much. Without script the map's hexagons are
links; with it, "here" fills the place in. The need's own page lists the moments made of it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import h3
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.activity import Intent, IntentStatus
from buurt.domain.community import Circle
from buurt.domain.errors import InvalidInput
from buurt.domain.moments import Moment
from buurt.domain.places import Area, Place
from buurt.domain.taxonomy import GROUPS, TAXONOMY
from buurt.services import resources
from buurt.services.principals import Principal
from buurt.services.publishing import intents, moments
from buurt.web.i18n import _
from buurt.web.pages import maps
from buurt.web.pages.forms import signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
IntentId = Annotated[str, Path(max_length=64)]
RADII = (300, 800, 2000)
HOURS = range(6, 24)


def _circle(request: Request, who: Principal, circle_id: str | None) -> Circle | None:
    with services_of(request).uow() as uow:
        chosen = circle_id if circle_id in who.circles else min(who.circles, default=None)
        return uow.repo(Circle).get(chosen) if chosen else None


def _place(cell: str | None, lat: float | None, lon: float | None) -> Place | None:
    try:
        if cell and h3.is_valid_cell(cell):
            return Place(*h3.cell_to_latlng(cell))
        if lat is not None and lon is not None:
            return Place(lat, lon)
    except InvalidInput:
        return None
    return None


@router.get("/needs/new", response_class=HTMLResponse)
async def new_need(
    request: Request,
    who: Viewer,
    circle: Annotated[str | None, Query(max_length=64)] = None,
    cell: Annotated[str | None, Query(max_length=20)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/needs/new", status_code=303)
    found = await run_in_threadpool(_circle, request, who, circle)
    if found is None:
        return render(request, "need_new.html", {"circle": None}, who)
    place = _place(cell, lat, lon)
    if place is None:
        svg = maps.hex_map(
            maps.cells_of(found.boundary),
            title=_("Pick where on the map of %(circle)s", circle=found.name),
            cell_title=_("here"),
            cell_link=lambda c: f"/needs/new?circle={found.id}&cell={c}",
        )
        return render(request, "need_where.html", {"circle": found, "svg": svg}, who)
    return _form(request, who, found, place, {}, "")


def _form(
    request: Request,
    who: Principal,
    circle: Circle,
    place: Place,
    values: dict[str, str],
    error: str,
    status: int = 200,
) -> HTMLResponse:
    now = services_of(request).clock.now()
    today = now.astimezone(ZoneInfo(circle.timezone)).date()
    context = {
        "circle": circle,
        "place": place,
        "taxonomy": TAXONOMY,
        "groups": GROUPS,
        "radii": RADII,
        "hours": HOURS,
        "days": [today + timedelta(days=n) for n in range(7)],
        "values": values,
        "error": error,
    }
    return render(request, "need_form.html", context, who, status_code=status)


@router.post("/needs")
async def publish(request: Request, who: Viewer) -> Response:
    form, who = await signed_form(request, who, member=True)
    found = await run_in_threadpool(_circle, request, who, form.get("circle"))
    try:
        place = Place(float(form.get("lat", "")), float(form.get("lon", "")))
    except (InvalidInput, ValueError):
        place = None
    if found is None or place is None:
        return RedirectResponse("/needs/new", status_code=303)
    try:
        values = _read(form, found)
        intent = await run_in_threadpool(
            lambda: intents.publish_intent(services_of(request), who, circle_id=found.id, **values)
        )
    except (InvalidInput, ValueError) as bad:
        detail = bad.detail if isinstance(bad, InvalidInput) else _("Check the form.")
        return _form(request, who, found, place, form, detail, status=422)
    return RedirectResponse(f"/needs/{intent.id}", status_code=303)


def _read(form: dict[str, str], circle: Circle) -> dict[str, Any]:
    """The intent's fields from the form, in the circle's local time."""
    category = form.get("other", "").strip().lower() or form.get("category", "")
    radius = int(form.get("radius", "800"))
    if radius not in RADII:
        raise InvalidInput(_("Pick how far away it may be."), "radius")
    place = Place(float(form["lat"]), float(form["lon"]))
    zone = ZoneInfo(circle.timezone)
    start = end = None
    if form.get("day"):
        day = datetime.fromisoformat(form["day"]).date()
        start_hour, end_hour = int(form.get("from", "9")), int(form.get("until", "17"))
        if end_hour <= start_hour:
            raise InvalidInput(_("The end of the time comes after its start."), "until")
        start = datetime(day.year, day.month, day.day, start_hour, tzinfo=zone).astimezone(UTC)
        end = datetime(day.year, day.month, day.day, end_hour, tzinfo=zone).astimezone(UTC)
    price = form.get("max_price", "").replace(",", ".").strip()
    return {
        "category": category,
        "area": Area(center=place, radius_m=radius),
        "text": form.get("text", "").strip()[:500],
        "window_start": start,
        "window_end": end,
        "max_price": float(price) if price else None,
    }


@router.get("/needs/{intent_id}", response_class=HTMLResponse)
async def need_page(request: Request, intent_id: IntentId, who: Viewer) -> Response:
    if who is None:
        return RedirectResponse(f"/login?next=/needs/{intent_id}", status_code=303)
    services = services_of(request)
    intent = await run_in_threadpool(
        resources.get, services, who, Intent, intents.POLICY, intent_id
    )
    answers = await run_in_threadpool(_answers, request, who, intent)
    circle = await run_in_threadpool(_circle, request, who, intent.circle_id)
    zone = ZoneInfo(circle.timezone) if circle else UTC
    return render(request, "need.html", {"need": intent, "answers": answers, "zone": zone}, who)


def _answers(request: Request, who: Principal, intent: Intent) -> list[Moment]:
    found: list[Moment] = []
    for where in ({"source_id": intent.id}, {"standing_id": intent.id}):
        found += resources.list_page(
            services_of(request), who, Moment, moments.POLICY, where=where, limit=200
        ).items
    return sorted({m.id: m for m in found}.values(), key=lambda m: m.id, reverse=True)


@router.post("/needs/{intent_id}/withdraw")
async def withdraw(request: Request, intent_id: IntentId, who: Viewer) -> Response:
    _form, who = await signed_form(request, who)
    await run_in_threadpool(
        intents.update_intent,
        services_of(request),
        who,
        intent_id,
        {"status": IntentStatus.WITHDRAWN},
    )
    return RedirectResponse(f"/needs/{intent_id}", status_code=303)
