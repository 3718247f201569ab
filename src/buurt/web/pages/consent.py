"""Consent, one click away: my grants in plain words (grant, change the end, revoke), my access
log as sentences, my data to download, and deleting my account."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import InvalidInput
from buurt.domain.parties import PartyKind
from buurt.services.consent import erasure, grants
from buurt.services.consent.overview import overview
from buurt.services.principals import Principal
from buurt.services.publishing.home import timezone_of
from buurt.web.api.me import export_data  # the API's own document, not a second one
from buurt.web.i18n import _
from buurt.web.pages.forms import signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import COOKIE, Viewer, safe_next, services_of

router = APIRouter(include_in_schema=False)
GrantId = Annotated[str, Path(max_length=64)]
# What a member can give a business, in the order the form offers it.
CATEGORIES = (DataCategory.INTENTS, DataCategory.LOCATION, DataCategory.PROFILE,
              DataCategory.PREFERENCES, DataCategory.THING_DATA)  # fmt: skip
PURPOSES = (Purpose.MATCHING, Purpose.SERVICE_DELIVERY, Purpose.ANALYTICS)


def _zone(request: Request, who: Principal) -> ZoneInfo:
    """The clock of the member's circle (the first, when they are in several)."""
    circles = sorted(who.circles)
    if not circles:
        return ZoneInfo("UTC")
    return ZoneInfo(timezone_of(services_of(request), circles[0]))


@router.get("/consent", response_class=HTMLResponse)
async def consent_page(request: Request, who: Viewer) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/consent", status_code=303)
    view = await run_in_threadpool(overview, services_of(request), who)
    context = {
        "view": view,
        "now": services_of(request).clock.now(),
        "zone": _zone(request, who),
        "categories": CATEGORIES,
        "purposes": PURPOSES,
        "error": "",
    }
    return render(request, "consent.html", context, who)


def _back(form: dict[str, str], anchor: str = "grants") -> RedirectResponse:
    """Back to the page the form was on (a thing's page shares from there too)."""
    target = form.get("next")
    if target:
        return RedirectResponse(safe_next(target), status_code=303)
    return RedirectResponse(f"/consent#{anchor}", status_code=303)


@router.post("/consent/grants")
async def grant(request: Request, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    try:
        category = DataCategory(form.get("category", ""))
        purpose = Purpose(form.get("purpose", ""))
    except ValueError:
        raise InvalidInput(_("Pick what to share and what for."), "category") from None
    expires = _end(form.get("until", ""), services_of(request).clock.now())
    thing_id = form.get("thing") or None if category is DataCategory.THING_DATA else None
    await run_in_threadpool(
        lambda: grants.grant(
            services_of(request),
            who,
            recipient_kind=PartyKind.BUSINESS,
            recipient_id=form.get("business", ""),
            category=category,
            purpose=purpose,
            expires_at=expires,
            thing_id=thing_id,
        )
    )
    return _back(form)


def _end(choice: str, now: datetime) -> datetime | None:
    """A grant's end from the form's choice: a week, a month, a year, or never."""
    days = {"week": 7, "month": 30, "year": 365}.get(choice)
    if days is None:
        return None
    return datetime.combine((now + timedelta(days=days)).date(), time(23, 59), tzinfo=UTC)


@router.post("/consent/grants/{grant_id}/revoke")
async def revoke(request: Request, grant_id: GrantId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    await run_in_threadpool(grants.revoke, services_of(request), who, grant_id)
    return _back(form)


@router.post("/consent/grants/{grant_id}/end")
async def change_end(request: Request, grant_id: GrantId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    expires = _end(form.get("until", ""), services_of(request).clock.now())
    await run_in_threadpool(
        grants.update_grant, services_of(request), who, grant_id, {"expires_at": expires}
    )
    return _back(form)


@router.get("/me/export")
async def download(request: Request, who: Viewer) -> Response:
    """Everything Buurt holds about the member, as the API's export document."""
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/consent", status_code=303)
    exported = await run_in_threadpool(export_data, services_of(request), who)
    document = exported.model_dump(mode="json", by_alias=True)
    stamp = services_of(request).clock.now().strftime("%Y-%m-%d")
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="buurt-{stamp}.json"'},
    )


@router.post("/me/delete")
async def delete_account(request: Request, who: Viewer) -> Response:
    form, who = await signed_form(request, who, member=True)
    await run_in_threadpool(
        erasure.erase_member, services_of(request), who, form.get("password", "")
    )
    response = render(
        request,
        "message.html",
        {
            "title": _("Your account is deleted"),
            "text": _("Everything Buurt held about you is gone. Thank you for being a neighbour."),
        },
        None,
    )
    response.delete_cookie(COOKIE, path="/")
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
