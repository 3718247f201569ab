"""Who works for a shop, on its dashboard: the owner adds a member of the circle by email
address or member id and removes them; a member on the staff sees who else is and may stop.

Staff reach the dashboard through the same switch as the owner (``auth.as_business``); the
staff use case (``services.community.staff``) decides who may change the list.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.errors import Conflict, InvalidInput, NotFound
from buurt.services.community import staff
from buurt.web.i18n import _
from buurt.web.pages.forms import signed_form
from buurt.web.pages.session import Viewer, services_of
from buurt.web.pages.shop import BusinessId, acting_for, dashboard_page

router = APIRouter(include_in_schema=False)
MemberId = Annotated[str, Path(max_length=64)]


@router.post("/shop/{business_id}/staff")
async def add(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    named = form.get("member", "")[:320]
    try:
        await run_in_threadpool(staff.add_staff, services_of(request), acting, business_id, named)
    except (InvalidInput, NotFound):
        error = _("No member of the shop's circle has this email address or member id.")
        return await dashboard_page(request, who, business_id, {"member": named}, error, 422)
    except Conflict:
        error = _("This member runs or works for the shop already.")
        return await dashboard_page(request, who, business_id, {"member": named}, error, 409)
    return RedirectResponse(f"/shop/{business_id}#staff", status_code=303)


@router.post("/shop/{business_id}/staff/{member_id}/remove")
async def remove(
    request: Request, business_id: BusinessId, member_id: MemberId, who: Viewer
) -> Response:
    """The owner removes a member of the staff; a member on it stops working there."""
    _form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    # Stopping is the member's own act, not the shop's: it is done as the member.
    by = who if who.id == member_id else acting
    await run_in_threadpool(staff.remove_staff, services_of(request), by, business_id, member_id)
    if by is who:
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(f"/shop/{business_id}#staff", status_code=303)
