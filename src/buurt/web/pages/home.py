"""A member's home: moments arriving live with their reasons (accept, decline, and later
fulfil or cancel, right there), open needs, and what the circle's shops offer now.

``/moments/stream`` is the live part: each new or changed moment of the viewer, as the HTML of
its list item, for htmx's SSE extension to put at the top of the list (or in place of the
old one). Without script the page is complete; it only stops being live.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from buurt.adapters.streams import OVERFLOW, Broadcaster
from buurt.domain.community import Circle, Thing
from buurt.domain.errors import DomainError
from buurt.domain.events import DomainEvent, MomentChanged, MomentCreated
from buurt.domain.moments import Moment, MomentStatus
from buurt.services import resources
from buurt.services.community.auth import authenticate
from buurt.services.principals import Principal
from buurt.services.publishing import home as home_view
from buurt.services.publishing import moments
from buurt.services.things import registry
from buurt.web.pages.forms import csrf_field, read_form
from buurt.web.pages.rendering import env, render
from buurt.web.pages.session import Viewer, services_of, token_of, viewer

router = APIRouter(include_in_schema=False)
MomentId = Annotated[str, Path(max_length=64)]
HEARTBEAT_SECONDS = 15
STEPS = {s.value: s for s in (MomentStatus.ACCEPTED, MomentStatus.DECLINED,
                              MomentStatus.FULFILLED, MomentStatus.CANCELLED)}  # fmt: skip


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, who: Viewer) -> HTMLResponse:
    if who is None or not who.is_member:
        return render(request, "welcome.html", {}, who)
    view = await run_in_threadpool(home_view.home, services_of(request), who)
    zone = ZoneInfo(view.circles[0].timezone) if view.circles else UTC
    return render(request, "home.html", {"home": view, "zone": zone}, who)


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
    form = await read_form(request)
    if form is None or who is None:
        return render(request, "refused.html", {}, who, status_code=403)
    status = STEPS.get(form.get("status", ""))
    if status is None:
        return render(request, "refused.html", {}, who, status_code=403)
    # A refused step is a domain error: web/problems.py answers it with an HTML page.
    moment = await run_in_threadpool(
        moments.transition, services_of(request), who, moment_id, status
    )
    if request.headers.get("hx-request"):
        return HTMLResponse(_item(request, who, moment))
    return RedirectResponse("/#moments", status_code=303)


def _item(request: Request, who: Principal, moment: Moment) -> str:
    """A moment's list item, as the home page draws it."""
    template = env.get_template("_moment.html")
    zone = ZoneInfo(home_view.timezone_of(services_of(request), moment.circle_id))
    return template.render(moment=moment, who=who, csrf_field=csrf_field(request), zone=zone)


@router.get("/moments/stream")
async def stream(request: Request) -> Response:
    who = await run_in_threadpool(viewer, request)
    token = token_of(request)
    if who is None or token is None:
        return Response("log in first\n", status_code=401, media_type="text/plain")
    broadcaster: Broadcaster = request.app.state.instance.broadcaster
    return StreamingResponse(
        _moments(request, broadcaster, who, token),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _moments(
    request: Request, broadcaster: Broadcaster, who: Principal, token: str
) -> AsyncIterator[str]:
    services = services_of(request)

    def accepts(event: DomainEvent) -> bool:
        return isinstance(event, MomentCreated | MomentChanged) and moments.is_party(
            who, event.moment
        )

    def still_valid() -> bool:
        try:
            authenticate(services, token)
        except DomainError:
            return False
        return True

    with broadcaster.subscribe(accepts) as queue:
        yield ": connected\n\n"
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                if not await run_in_threadpool(still_valid):
                    return
                yield ": heartbeat\n\n"
                continue
            if item is OVERFLOW:
                return
            html = _item(request, who, item.moment).replace("\n", "")
            name = "moment" if isinstance(item, MomentCreated) else f"moment-{item.moment.id}"
            yield f"event: {name}\ndata: {html}\n\n"
