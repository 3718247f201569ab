"""A member's settings: quiet hours, moments per hour, language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.community import Member
from buurt.services import resources
from buurt.services.community import members
from buurt.web import i18n
from buurt.web.pages.forms import signed_form
from buurt.web.pages.language import YEAR
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
CAPS = (1, 3, 5, 10, 20, 50)


def _page(request: Request, who: Viewer, member: Member, saved: bool = False) -> HTMLResponse:
    context = {"member": member, "caps": CAPS, "hours": range(24), "saved": saved}
    return render(request, "settings.html", context, who)


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(request: Request, who: Viewer, saved: bool = False) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/settings", status_code=303)
    member = await run_in_threadpool(
        resources.get, services_of(request), who, Member, members.POLICY, who.id
    )
    return _page(request, who, member, saved)


@router.post("/settings")
async def save(request: Request, who: Viewer) -> Response:
    form, who = await signed_form(request, who, member=True)
    changes: dict[str, object] = {}
    try:
        cap = int(form.get("per_hour", ""))
        quiet = form.get("quiet", "") == "on"
        start, end = int(form.get("quiet_from", "22")), int(form.get("quiet_until", "7"))
    except ValueError:
        cap, quiet, start, end = 10, False, 22, 7
    if cap in CAPS:
        changes["max_moments_per_hour"] = cap
    in_range = 0 <= start < 24 and 0 <= end < 24 and start != end
    changes["quiet_from_hour"] = start if quiet and in_range else None
    changes["quiet_until_hour"] = end if quiet and in_range else None
    language = form.get("language", "")
    if language in i18n.LANGUAGES:
        changes["language"] = language
    await run_in_threadpool(members.update_member, services_of(request), who, who.id, changes)
    response = RedirectResponse("/settings?saved=true", status_code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, language, max_age=YEAR, samesite="lax", path="/")
    return response
