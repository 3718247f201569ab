"""A member's home: moments arriving live with their reasons (accept, decline, and later
fulfil or cancel, right there), open needs with what the shops nearby have in stock for
them, and what the circle's shops offer now.

``/moments/stream`` is the live part: each new or changed moment of the viewer, as the HTML of
its list item, for htmx's SSE extension to put at the top of the list (or in place of the
old one). Without script the page is complete; it only stops being live.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.activity import Intent
from buurt.domain.community import Circle, Thing
from buurt.domain.moments import Moment, MomentStatus
from buurt.services import resources
from buurt.services.commerce import finding
from buurt.services.commerce.nearest import StockFinder, StockQuery
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import home as home_view
from buurt.services.publishing import moments
from buurt.services.things import registry
from buurt.web.pages.forms import signed_form
from buurt.web.pages.moment_stream import moment_item, moment_stream
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of, stock_finder_of, token_of, viewer

router = APIRouter(include_in_schema=False)
MomentId = Annotated[str, Path(max_length=64)]
STOCK_NEEDS = 3  # the newest open needs the home page looks up stock for
STEPS = {s.value: s for s in (MomentStatus.ACCEPTED, MomentStatus.DECLINED,
                              MomentStatus.FULFILLED, MomentStatus.CANCELLED)}  # fmt: skip


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, who: Viewer) -> HTMLResponse:
    if who is None or not who.is_member:
        return render(request, "welcome.html", {}, who)
    services = services_of(request)
    view = await run_in_threadpool(home_view.home, services, who)
    zone = ZoneInfo(view.circles[0].timezone) if view.circles else UTC
    finder = stock_finder_of(request)
    in_stock = await run_in_threadpool(_in_stock, services, finder, view.needs)
    context = {"home": view, "zone": zone, "in_stock": in_stock}
    return render(request, "home.html", context, who)


def _in_stock(
    services: Services, finder: StockFinder, needs: list[Intent]
) -> list[tuple[Intent, list[finding.SiteWithStock]]]:
    """For the newest open needs that have a spot and a radius: the nearest shops that have
    it in stock now, within the need's radius and price."""
    answers = []
    for need in needs[:STOCK_NEEDS]:
        area = need.area
        if area.center is None or area.radius_m is None:
            continue
        query = StockQuery(
            area.center, area.radius_m, need.category, limit=3, max_price=need.max_price
        )
        found = finding.find(services, finder, query)
        if found:
            answers.append((need, found))
    return answers


@router.get("/things", response_class=HTMLResponse)
def things_index(request: Request, who: Viewer) -> Response:
    """The things of the viewer's circles, each linking to its live page."""
    if who is None:
        return RedirectResponse("/login?next=/things", status_code=303)
    services = services_of(request)
    with services.uow() as uow:
        circles = [c for c in (uow.repo(Circle).get(i) for i in sorted(who.circles)) if c]
    page = resources.list_page(
        services, who, Thing, registry.POLICY, where={"circle_id": sorted(who.circles)}, limit=500
    )
    groups = [
        (circle, sorted((t for t in page.items if t.circle_id == circle.id), key=_order))
        for circle in sorted(circles, key=lambda c: c.name)
    ]
    return render(request, "things.html", {"circles": groups}, who)


def _order(thing: Thing) -> tuple[str, str]:
    return (thing.kind.value, thing.name.lower())


@router.post("/moments/{moment_id}/step")
async def step(request: Request, moment_id: MomentId, who: Viewer) -> Response:
    """Accept or decline a moment (its recipient), then fulfil or cancel it (either party)."""
    form, who = await signed_form(request, who)
    status = STEPS.get(form.get("status", ""))
    if status is None:
        return render(request, "refused.html", {}, who, status_code=403)
    # A refused step is a domain error: web/problems.py answers it with an HTML page.
    moment = await run_in_threadpool(
        moments.transition, services_of(request), who, moment_id, status
    )
    if request.headers.get("hx-request"):
        return HTMLResponse(moment_item(request, who, moment))
    return RedirectResponse("/#moments", status_code=303)


@router.get("/moments/stream")
async def stream(request: Request) -> Response:
    who = await run_in_threadpool(viewer, request)
    if who is None or token_of(request) is None:
        return Response("log in first\n", status_code=401, media_type="text/plain")
    return moment_stream(request, who, lambda m: _personal(who, m))


def _personal(who: Principal, moment: Moment) -> bool:
    """The member's own moments, not those of the shops they own (those are on ``/shop``)."""
    return moment.recipient_kind == "member" or moment.subject_member_id == who.id
