"""``/admin``: what a circle's admin runs from a phone: the members and their roles, the
circle's businesses and things registry, and how the instance is doing (its figures, the
store, the MQTT link and the periodic upkeep).

An admin of no circle gets the 404 page, as for a circle that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

import buurt
from buurt.bootstrap import Buurt
from buurt.bootstrap.upkeep import PeriodicUpkeep
from buurt.domain.community import Role
from buurt.domain.errors import InvalidInput, NotFound
from buurt.services.community import circles, roster
from buurt.services.principals import Principal
from buurt.web.i18n import _
from buurt.web.pages.forms import read_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
CircleId = Annotated[str, Path(max_length=64)]
MemberId = Annotated[str, Path(max_length=64)]


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(
    request: Request, who: Viewer, circle: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    if who is None:
        return RedirectResponse("/login?next=/admin", status_code=303)
    chosen = circle if circle in who.admin_of else min(who.admin_of, default=None)
    if chosen is None:
        raise NotFound("circle", circle or "administered")
    context = await run_in_threadpool(_context, request, who, chosen)
    return render(request, "admin.html", context, who)


def _context(request: Request, who: Principal, circle_id: str) -> dict[str, Any]:
    services = services_of(request)
    found = roster.roster(services, who, circle_id)
    instance: Buurt = request.app.state.instance
    settings = instance.settings
    store = instance.database.dialect.name if instance.database is not None else "memory"
    return {
        "roster": found,
        "figures": roster.figures(services, who),
        "zone": ZoneInfo(found.circle.timezone),
        "roles": list(Role),
        "health": {
            "version": buurt.__version__,
            "store": store,
            "mqtt": settings.mqtt_url or "",
            "upkeep_seconds": settings.maintenance_interval_seconds,
            "upkeep": next((w for w in instance.background if isinstance(w, PeriodicUpkeep)), None),
        },
        "administered": sorted(who.admin_of),
    }


@router.post("/admin/{circle_id}/members/{member_id}/role")
async def change_role(
    request: Request, circle_id: CircleId, member_id: MemberId, who: Viewer
) -> Response:
    form = await read_form(request)
    if form is None or who is None:
        return render(request, "refused.html", {}, who, status_code=403)
    try:
        role = Role(form.get("role", ""))
    except ValueError:
        raise InvalidInput(_("Pick a role."), "role") from None
    # The last admin stepping down, or someone who is not an admin, is refused there.
    await run_in_threadpool(circles.set_role, services_of(request), who, circle_id, member_id, role)
    return RedirectResponse(f"/admin?circle={circle_id}#members", status_code=303)
