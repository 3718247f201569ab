"""``/map``: the viewer's circle drawn as hexagons, with its things and shops, and a place to
point at (``?lat=..&lon=..``: every place on a page links here).

Things are those the viewer may see (the thing policy decides, as for their pages); shops are
every business's sites (public). The map has a list beside it with the same places as links,
for keyboards and screen readers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.community import Business, Circle, Site, Thing
from buurt.domain.errors import InvalidInput
from buurt.domain.places import Place
from buurt.services import resources
from buurt.services.principals import Principal
from buurt.services.things import registry
from buurt.web.i18n import _
from buurt.web.pages import maps, names
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
Latitude = Annotated[float | None, Query(ge=-90, le=90)]
Longitude = Annotated[float | None, Query(ge=-180, le=180)]


def _gather(request: Request, who: Principal, circle_id: str | None) -> dict[str, object] | None:
    services = services_of(request)
    with services.uow() as uow:
        chosen = circle_id if circle_id in who.circles else min(who.circles, default=None)
        circle = uow.repo(Circle).get(chosen) if chosen else None
        if circle is None:
            return None
        shops = [
            (business, site)
            for business in uow.repo(Business).find(circle_id=circle.id)
            for site in uow.repo(Site).find(business_id=business.id)
        ]
    things = resources.list_page(
        services, who, Thing, registry.POLICY, where={"circle_id": circle.id}, limit=500
    ).items
    return {"circle": circle, "things": things, "shops": shops}


@router.get("/map", response_class=HTMLResponse)
async def circle_map(
    request: Request,
    who: Viewer,
    circle: Annotated[str | None, Query(max_length=64)] = None,
    lat: Latitude = None,
    lon: Longitude = None,
) -> Response:
    if who is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    found = await run_in_threadpool(_gather, request, who, circle)
    if found is None:
        context: dict[str, object] = {"svg": None, "things": [], "shops": [], "circle": None}
        return render(request, "map.html", context, who)
    here = None
    if lat is not None and lon is not None:
        try:
            here = Place(lat, lon)
        except InvalidInput:
            here = None
    drawn = found["circle"]
    assert isinstance(drawn, Circle)
    marks = [
        maps.Mark(t.place, f"{t.name} ({names.KINDS[t.kind.value]})", f"/things/{t.id}", "thing")
        for t in found["things"]  # type: ignore[attr-defined]
    ] + [
        maps.Mark(site.place, f"{business.name}, {site.name}", None, "shop")
        for business, site in found["shops"]  # type: ignore[attr-defined]
    ]
    svg = maps.hex_map(
        maps.cells_of(drawn.boundary),
        title=_("Map of %(circle)s", circle=drawn.name),
        marks=marks,
        here=here,
        cell_title=drawn.name,
    )
    return render(request, "map.html", {**found, "svg": svg, "pointed": here}, who)
