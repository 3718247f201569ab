"""``/join``: becoming a verified neighbour of a circle from the browser, by the circle's
admission routes: a code (an admin's invite, the letter to your address, one handed out in
person) redeemed at once, or a request that neighbours vouch for you.

The page shows every circle with where the viewer stands in it (verified, waiting for vouches,
or not yet), and uses the admission use cases, so the charter's routes, code expiry and the
rate limit are decided there, once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.admission import AdmissionRequest, RequestStatus
from buurt.domain.community import Circle
from buurt.domain.errors import DomainError
from buurt.services.community import admission
from buurt.services.community.verification import is_verified
from buurt.services.principals import Principal
from buurt.web.pages.forms import signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of
from buurt.web.problems import status_of

router = APIRouter(include_in_schema=False)
CircleId = Annotated[str, Path(max_length=64)]
CIRCLES = 100


def _standing(request: Request, who: Principal) -> list[dict[str, Any]]:
    with services_of(request).uow() as uow:
        found = uow.repo(Circle).page(limit=CIRCLES).items
        rows = []
        for circle in sorted(found, key=lambda c: c.name.lower()):
            pending = uow.repo(AdmissionRequest).find(
                circle_id=circle.id, member_id=who.id, status=RequestStatus.PENDING
            )
            rows.append(
                {
                    "circle": circle,
                    "verified": is_verified(uow, who.id, circle.id),
                    "pending": bool(pending),
                }
            )
    return rows


@router.get("/join", response_class=HTMLResponse)
async def join_page(request: Request, who: Viewer) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/join", status_code=303)
    return await _page(request, who, "", "")


async def _page(
    request: Request, who: Principal, error: str, circle_id: str, status: int = 200
) -> HTMLResponse:
    rows = await run_in_threadpool(_standing, request, who)
    context = {"rows": rows, "error": error, "failed": circle_id}
    return render(request, "join.html", context, who, status_code=status)


@router.post("/join/{circle_id}")
async def join(request: Request, circle_id: CircleId, who: Viewer) -> Response:
    """Redeem a code, or (``action=vouch``) ask the circle's neighbours to vouch."""
    form, who = await signed_form(request, who)
    code = None if form.get("action") == "vouch" else form.get("code", "").strip()[:64]
    try:
        await run_in_threadpool(
            admission.request_admission, services_of(request), who, circle_id, code or None
        )
    except DomainError as refused:  # a wrong or used code, a route the charter closed, ...
        return await _page(request, who, refused.detail, circle_id, status=status_of(refused))
    return RedirectResponse("/join#joined", status_code=303)
