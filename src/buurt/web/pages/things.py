"""The index of a member's circles' things, each thing's page, its charts and its live stream.

``GET /things/{id}`` is the thing's own page; ``GET /things/{id}/charts`` is the charts part
alone (the page script swaps it in after new events, so drawing stays on the server);
``GET /things/{id}/stream`` is the Server-Sent Events stream of its new events. Its owner
changes its visibility and shares or stops sharing its data right there (the sharing forms
post to the consent routes, which return to the page), and makes it bookable (``sharing``). What a
viewer may not see does not exist for them: an HTML 404 page, the same as for an unknown id.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from buurt.adapters.streams import Broadcaster
from buurt.domain.bookings import Bookable
from buurt.domain.community import Business, Visibility
from buurt.domain.errors import InvalidInput, NotFound
from buurt.services.principals import Principal
from buurt.services.sharing import bookings
from buurt.services.things import registry, views
from buurt.services.things.views import ThingView
from buurt.web.i18n import _
from buurt.web.pages import charts, fields, sharing_forms, timelines
from buurt.web.pages.consent import PURPOSES
from buurt.web.pages.forms import signed_form
from buurt.web.pages.live import thing_stream
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of, token_of, viewer

router = APIRouter(include_in_schema=False)
ThingId = Annotated[str, Path(max_length=64)]


def not_found(request: Request, who: Principal | None) -> HTMLResponse:
    return render(request, "not_found.html", {}, who, status_code=404)


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def _chart_context(view: ThingView) -> dict[str, Any]:
    zone = ZoneInfo(view.circle.timezone)
    series = charts.numeric_series(
        ((e.occurred_at, e.attributes) for e in view.events), fields.unit_of
    )
    drawn = [(s, charts.line_chart(s, view.since, view.until, zone)) for s in series]
    flags = timelines.flag_series((e.occurred_at, e.attributes) for e in view.events)
    bands = [
        (
            f,
            timelines.timeline(
                f, view.since, view.until, zone, label=fields.label_of(f.field), yes=_("yes")
            ),
            f.share(view.since, view.until),
        )
        for f in flags
    ]
    return {"view": view, "charts": drawn, "bands": bands, "zone": zone}


def _view(request: Request, who: Principal, thing_id: str) -> ThingView | None:
    try:
        return views.thing_view(services_of(request), who, thing_id)
    except NotFound:
        return None


@router.get("/things/{thing_id}", response_class=HTMLResponse)
def thing_page(request: Request, thing_id: ThingId, who: Viewer) -> Response:
    """A thing's page: what it is, whose, its live state, a day of charts, who may see it,
    and its sharing: terms, calendar and booking."""
    if who is None:
        return to_login(request)
    return thing_response(request, who, thing_id, {})


def thing_response(
    request: Request, who: Principal, thing_id: str, state: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """The thing's page; ``state`` carries a refused sharing form back (its values and why).
    A neighbour who may book a thing whose data they may not see gets its sharing alone."""
    view = _view(request, who, thing_id)
    if view is None:
        return _bookable_page(request, who, thing_id, state, status)
    last = view.events[-1] if view.events else None
    context = {
        **_chart_context(view),
        **_sharing(request, view.bookable, view.circle.timezone),
        **state,
        "calendar": view.calendar,
        "last_event": last,
        "visibilities": list(Visibility),
        "purposes": PURPOSES,
        "businesses": _businesses(request, view) if view.is_owner else [],
    }
    return render(request, "thing.html", context, who, status_code=status)


def _sharing(request: Request, bookable: Bookable | None, timezone: str) -> dict[str, Any]:
    zone = ZoneInfo(timezone)
    today = services_of(request).clock.now().astimezone(zone).date()
    return {"bookable": bookable, **sharing_forms.choices(bookable, today)}


def _bookable_page(
    request: Request, who: Principal, thing_id: str, state: dict[str, Any], status: int
) -> HTMLResponse:
    try:
        shared = bookings.view_of_thing(services_of(request), who, thing_id)
    except NotFound:
        return not_found(request, who)
    context = {
        **_sharing(request, shared.bookable, shared.circle.timezone),
        **state,
        "thing": shared.thing,
        "circle": shared.circle,
        "calendar": shared.calendar,
        "zone": ZoneInfo(shared.circle.timezone),
        "is_owner": False,
    }
    return render(request, "bookable.html", context, who, status_code=status)


def _businesses(request: Request, view: ThingView) -> list[Business]:
    """The shops of the thing's circle, that its owner may share its data with."""
    with services_of(request).uow() as uow:
        found = uow.repo(Business).find(circle_id=view.circle.id)
    return sorted(found, key=lambda b: b.name.lower())


@router.post("/things/{thing_id}/visibility")
async def change_visibility(request: Request, thing_id: ThingId, who: Viewer) -> Response:
    """Its owner opens the thing to the circle or everyone, or keeps it private."""
    form, who = await signed_form(request, who)
    try:
        visibility = Visibility(form.get("visibility", ""))
    except ValueError:
        raise InvalidInput(_("Pick who may see it."), "visibility") from None
    await run_in_threadpool(
        registry.update_thing, services_of(request), who, thing_id, {"visibility": visibility}
    )
    return RedirectResponse(f"/things/{thing_id}#access", status_code=303)


@router.get("/things/{thing_id}/charts", response_class=HTMLResponse)
def thing_charts(request: Request, thing_id: ThingId, who: Viewer) -> Response:
    """The charts part of the page alone, redrawn for the live page."""
    if who is None:
        return Response(status_code=401)
    view = _view(request, who, thing_id)
    if view is None:
        return not_found(request, who)
    return render(request, "_charts.html", _chart_context(view), who)


@router.get("/things/{thing_id}/stream")
async def stream(
    request: Request,
    thing_id: ThingId,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> Response:
    """Server-Sent Events: each new event of the thing, a heartbeat comment every 15 s;
    ``Last-Event-ID`` resumes after that event."""
    services = services_of(request)
    who = await run_in_threadpool(viewer, request)
    token = token_of(request)
    if who is None or token is None:
        return Response("log in first\n", status_code=401, media_type="text/plain")
    try:
        zone = await run_in_threadpool(views.zone_of, services, who, thing_id)
    except NotFound:
        return Response("no such thing\n", status_code=404, media_type="text/plain")
    broadcaster: Broadcaster = request.app.state.instance.broadcaster
    body = thing_stream(services, broadcaster, token, thing_id, zone, last_event_id)
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
