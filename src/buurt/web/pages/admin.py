"""``/admin``: what a circle's admin runs from a phone: the members and their roles,
admission (pending requests, codes, letters), the moderation desk, the circle's businesses
and things registry, and how the instance is doing (its figures, the store, the MQTT link
and the periodic upkeep). The forms of admission and moderation are in ``admin_circle``.

Anyone who administers no circle gets the 403 page.
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
from buurt.domain.admission import CODE_ROUTES, AdmissionRequest, AdmissionRoute, RequestStatus
from buurt.domain.community import Role
from buurt.domain.errors import InvalidInput, PermissionDenied
from buurt.services.cocreation import moderation_desk
from buurt.services.community import admission, circles, roster, vouching
from buurt.services.principals import Principal
from buurt.web.i18n import _
from buurt.web.pages.forms import signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
CircleId = Annotated[str, Path(max_length=64)]
MemberId = Annotated[str, Path(max_length=64)]
PENDING = 50  # pending requests, letters on their way and vouches a page shows


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(
    request: Request,
    who: Viewer,
    circle: Annotated[str | None, Query(max_length=64)] = None,
    members_after: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    if who is None:
        return RedirectResponse("/login?next=/admin", status_code=303)
    chosen = circle if circle in who.admin_of else min(who.admin_of, default=None)
    if chosen is None:
        raise PermissionDenied(_("This page is for the admins of a circle."))
    return await admin_page_for(request, who, chosen, {}, members_after=members_after)


async def admin_page_for(
    request: Request,
    who: Principal,
    circle_id: str,
    extra: dict[str, Any],
    status: int = 200,
    *,
    members_after: str | None = None,
) -> HTMLResponse:
    """The admin page of ``circle_id``, with ``extra`` (what a form just made) in it, and
    the page of members after ``members_after``."""
    if circle_id not in who.admin_of:
        raise PermissionDenied(_("This page is for the admins of a circle."))
    context = await run_in_threadpool(_context, request, who, circle_id, members_after)
    return render(request, "admin.html", {**context, **extra}, who, status_code=status)


def _context(
    request: Request, who: Principal, circle_id: str, members_after: str | None
) -> dict[str, Any]:
    services = services_of(request)
    found = roster.roster(services, who, circle_id, after=members_after)
    asking = vouching.list_requests(services, who, circle_id, RequestStatus.PENDING, None, PENDING)
    names = roster.member_names(services, [r.member_id for r in asking.items])
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
        "members_after": members_after,
        "pending": [
            (r, names.get(r.member_id, ""), _vouches(request, who, r)) for r in asking.items
        ],
        "letters": [
            c
            for c in admission.list_codes(
                services, who, circle_id, AdmissionRoute.LETTER, None, PENDING
            ).items
            if c.usable(services.clock.now())
        ],
        "cases": moderation_desk.desk(services, who, circle_id),
        "code_routes": [r for r in CODE_ROUTES if r is not AdmissionRoute.LETTER],
    }


def _vouches(request: Request, who: Principal, found: AdmissionRequest) -> int:
    page = vouching.list_vouches(
        services_of(request), who, found.circle_id, found.id, None, PENDING
    )
    return len(page.items)


@router.post("/admin/{circle_id}/members/{member_id}/role")
async def change_role(
    request: Request, circle_id: CircleId, member_id: MemberId, who: Viewer
) -> Response:
    form, who = await signed_form(request, who)
    try:
        role = Role(form.get("role", ""))
    except ValueError:
        raise InvalidInput(_("Pick a role."), "role") from None
    # The last admin stepping down, or someone who is not an admin, is refused there.
    await run_in_threadpool(circles.set_role, services_of(request), who, circle_id, member_id, role)
    return RedirectResponse(f"/admin?circle={circle_id}#members", status_code=303)
