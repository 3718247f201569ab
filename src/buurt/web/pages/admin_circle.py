"""The forms of ``/admin`` that run a circle's admission and moderation, through their use
cases: admit or refuse a pending request, issue a code (shown once, on the page that made
it), make a batch of address letters (a PDF to download, made once), and hide, show again
or dismiss a reported item with the reason.

A refusal (not an admin, a decided request, a missing reason) is the use case's, and the
HTML error page says it; nothing here decides who may do what.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.adapters import letters
from buurt.domain.admission import CODE_ROUTES, AdmissionRoute, grouped
from buurt.domain.community import Circle
from buurt.domain.errors import InvalidInput, PermissionDenied
from buurt.domain.moderation import ModerationAction, TargetKind
from buurt.services.cocreation import moderation
from buurt.services.community import admission, vouching
from buurt.web.i18n import _
from buurt.web.pages.admin import admin_page_for
from buurt.web.pages.forms import read_form, signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
CircleId = Annotated[str, Path(max_length=64)]
RequestId = Annotated[str, Path(max_length=64)]
FORM_TEXT = 500  # a reason, a note or a label, as the API takes them
ADDRESSES = 64 * 1024  # a pasted list of addresses, as much as a form carries


def _back(circle_id: str, anchor: str) -> Response:
    return RedirectResponse(f"/admin?circle={circle_id}#{anchor}", status_code=303)


@router.post("/admin/{circle_id}/requests/{request_id}/{decision}")
async def decide_request(
    request: Request, circle_id: CircleId, request_id: RequestId, decision: str, who: Viewer
) -> Response:
    """``admit`` a pending request on the admin's word, or ``refuse`` it with a note."""
    form = await read_form(request)
    if form is None or who is None or decision not in ("admit", "refuse"):
        return render(request, "refused.html", {}, who, status_code=403)
    services = services_of(request)
    if decision == "admit":
        await run_in_threadpool(vouching.admit_request, services, who, circle_id, request_id)
    else:
        if circle_id not in who.admin_of:  # a requester withdraws on /join, not here
            raise PermissionDenied(_("This page is for the admins of a circle."))
        note = form.get("note", "").strip()[:FORM_TEXT] or "refused by an admin"
        await run_in_threadpool(
            vouching.withdraw_request, services, who, circle_id, request_id, note
        )
    return _back(circle_id, "admission")


@router.post("/admin/{circle_id}/codes")
async def issue_code(request: Request, circle_id: CircleId, who: Viewer) -> Response:
    """A new invite or in-person code, shown on the page this once."""
    form, who = await signed_form(request, who)
    routes = {r.value: r for r in CODE_ROUTES if r is not AdmissionRoute.LETTER}
    route = routes.get(form.get("route", ""))
    if route is None:
        raise InvalidInput(_("Pick the kind of code."), "route")
    label = form.get("label", "").strip()[:200]
    issued = await run_in_threadpool(
        lambda: admission.issue_code(services_of(request), who, circle_id, route, label=label)
    )
    shown = {"issued": issued.code, "issued_secret": grouped(issued.secret)}
    return await admin_page_for(request, who, circle_id, shown, status=201)


@router.post("/admin/{circle_id}/letters")
async def make_letters(request: Request, circle_id: CircleId, who: Viewer) -> Response:
    """A batch of address letters: the page lists what was made and skipped, and holds the
    PDF to download; the codes exist only in it."""
    form, who = await signed_form(request, who)
    text = form.get("addresses", "")[:ADDRESSES]
    wanted = [line.strip() for line in text.splitlines() if line.strip()]
    base = request.app.state.instance.settings.base_url
    printed: list[bytes] = []

    def deliver(circle: Circle, issued: list[admission.Issued]) -> None:
        pages = [
            letters.Letter(i.code.address or "", grouped(i.secret), i.code.expires_at)
            for i in issued
        ]
        if pages:
            printed.append(letters.render(circle.name, f"{base}/join", pages))

    issued, skipped = await run_in_threadpool(
        admission.issue_letters, services_of(request), circle_id, wanted, deliver, who
    )
    pdf = base64.b64encode(printed[0]).decode() if printed else ""
    made = {
        "letters_made": [i.code for i in issued],
        "letters_skipped": skipped,
        "letters_pdf": pdf,
        "letters_asked": bool(wanted),
    }
    return await admin_page_for(request, who, circle_id, made, status=201 if issued else 200)


@router.post("/admin/{circle_id}/moderation")
async def moderate(request: Request, circle_id: CircleId, who: Viewer) -> Response:
    """Hide an item, show it again, or dismiss its reports, with the reason."""
    form, who = await signed_form(request, who)
    try:
        kind = TargetKind(form.get("target_kind", ""))
        action = ModerationAction(form.get("action", ""))
    except ValueError:
        raise InvalidInput(_("Pick what to do."), "action") from None
    await run_in_threadpool(
        lambda: moderation.decide(
            services_of(request),
            who,
            circle_id,
            kind=kind,
            ident=form.get("target_id", "")[:64],
            action=action,
            reason=form.get("reason", "")[:FORM_TEXT],
        )
    )
    return _back(circle_id, "moderation")
