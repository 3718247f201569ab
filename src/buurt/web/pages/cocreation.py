"""Co-creation pages: ``/proposals`` (the circle's proposals, ranked by recent support, newest
or most supported, and a form to propose), ``/proposals/{id}`` (support, discussion one level
deep, and its campaigns with pledging), and a shop starting a campaign from a proposal.

Every step goes through the co-creation use cases: who may support or pledge (verified
neighbours), deadlines and limits are decided there, once, for the pages and the API alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.campaigns import ThresholdKind
from buurt.domain.cocreation import ProposalSort
from buurt.domain.community import Circle
from buurt.domain.errors import InvalidInput
from buurt.domain.reviews import FulfilmentKind
from buurt.domain.taxonomy import GROUPS, TAXONOMY
from buurt.services.cocreation import campaigns, discussion, proposals, reviews
from buurt.services.cocreation.views import proposal_page
from buurt.services.principals import Principal
from buurt.web.i18n import _
from buurt.web.pages.forms import money, signed_form, whole_number
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
ItemId = Annotated[str, Path(max_length=64)]


def _circle(request: Request, who: Principal) -> Circle | None:
    chosen = min(who.circles, default=None)
    if chosen is None:
        return None
    with services_of(request).uow() as uow:
        return uow.repo(Circle).get(chosen)


@router.get("/proposals", response_class=HTMLResponse)
async def listing(
    request: Request, who: Viewer, sort: Annotated[str, Query(max_length=20)] = "recent"
) -> Response:
    if who is None:
        return RedirectResponse("/login?next=/proposals", status_code=303)
    return await _listing(request, who, sort, {}, "")


async def _listing(
    request: Request,
    who: Principal,
    sort: str,
    values: dict[str, str],
    error: str,
    status: int = 200,
) -> HTMLResponse:
    order = ProposalSort(sort) if sort in set(ProposalSort) else ProposalSort.RECENT
    circle = await run_in_threadpool(_circle, request, who)
    found = []
    if circle is not None:
        found = (
            await run_in_threadpool(
                lambda: proposals.ranked(
                    services_of(request), who, sort=order, circle_id=circle.id, limit=50
                )
            )
        ).items
    context = {
        "circle": circle,
        "proposals": found,
        "sort": order.value,
        "sorts": list(ProposalSort),
        "taxonomy": TAXONOMY,
        "groups": GROUPS,
        "values": values,
        "error": error,
    }
    return render(request, "proposals.html", context, who, status_code=status)


@router.post("/proposals")
async def propose(request: Request, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    circle = await run_in_threadpool(_circle, request, who)
    if circle is None:
        return RedirectResponse("/proposals", status_code=303)
    try:
        made = await run_in_threadpool(
            lambda: proposals.propose(
                services_of(request),
                who,
                circle_id=circle.id,
                title=form.get("title", ""),
                description=form.get("description", ""),
                category=form.get("category", ""),
                price_idea=money(form.get("price_idea", ""), "price_idea"),
            )
        )
    except InvalidInput as bad:
        return await _listing(request, who, "newest", form, bad.detail, status=422)
    return RedirectResponse(f"/proposals/{made.id}", status_code=303)


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
async def proposal(request: Request, proposal_id: ItemId, who: Viewer) -> Response:
    if who is None:
        return RedirectResponse(f"/login?next=/proposals/{proposal_id}", status_code=303)
    return await _proposal(request, who, proposal_id, "")


async def _proposal(
    request: Request, who: Principal, proposal_id: str, error: str, status: int = 200
) -> HTMLResponse:
    page = await run_in_threadpool(proposal_page, services_of(request), who, proposal_id)
    with services_of(request).uow() as uow:
        circle = uow.repo(Circle).get(page.proposal.circle_id)
    context = {
        "page": page,
        "zone": ZoneInfo(circle.timezone if circle else "UTC"),
        "now": services_of(request).clock.now(),
        "thresholds": list(ThresholdKind),
        "error": error,
    }
    return render(request, "proposal.html", context, who, status_code=status)


@router.post("/proposals/{proposal_id}/support")
async def support(request: Request, proposal_id: ItemId, who: Viewer) -> Response:
    """Support it, or withdraw the support (``action=withdraw``)."""
    form, who = await signed_form(request, who)
    step = discussion.withdraw_support if form.get("action") == "withdraw" else discussion.support
    await run_in_threadpool(step, services_of(request), who, proposal_id)
    return RedirectResponse(f"/proposals/{proposal_id}#support", status_code=303)


@router.post("/proposals/{proposal_id}/comments")
async def comment(request: Request, proposal_id: ItemId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    try:
        await run_in_threadpool(
            discussion.comment,
            services_of(request),
            who,
            proposal_id,
            form.get("text", ""),
            form.get("parent") or None,
        )
    except InvalidInput as bad:
        return await _proposal(request, who, proposal_id, bad.detail, status=422)
    return RedirectResponse(f"/proposals/{proposal_id}#discussion", status_code=303)


@router.post("/proposals/{proposal_id}/campaigns")
async def start_campaign(request: Request, proposal_id: ItemId, who: Viewer) -> Response:
    """A shop owner turns the proposal into a campaign of one of their shops."""
    form, who = await signed_form(request, who)
    try:
        values = _campaign_fields(form)
        await run_in_threadpool(
            lambda: campaigns.start(services_of(request), who, proposal_id=proposal_id, **values)
        )
    except (InvalidInput, ValueError) as bad:
        detail = bad.detail if isinstance(bad, InvalidInput) else _("Check the form.")
        return await _proposal(request, who, proposal_id, detail, status=422)
    return RedirectResponse(f"/proposals/{proposal_id}#campaigns", status_code=303)


def _campaign_fields(form: dict[str, str]) -> dict[str, Any]:
    price = money(form.get("unit_price", ""), "unit_price")
    if price is None:
        raise InvalidInput(_("A campaign has a price."), "unit_price")
    threshold = whole_number(form.get("threshold", ""), "threshold")
    if threshold is None:
        raise InvalidInput(_("A campaign has a threshold."), "threshold")
    try:
        day = datetime.fromisoformat(form.get("deadline", "").strip()[:10]).date()
    except ValueError:
        raise InvalidInput(_("Pick a date."), "deadline") from None
    return {
        "business_id": form.get("business", ""),
        "unit_price": price,
        "threshold_kind": ThresholdKind(form.get("threshold_kind", "pledges")),
        "threshold": threshold,
        "deadline": datetime.combine(day, time(23, 59), tzinfo=UTC),
        "max_units": whole_number(form.get("max_units", ""), "max_units"),
    }


@router.post("/campaigns/{campaign_id}/pledge")
async def pledge(request: Request, campaign_id: ItemId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    quantity = whole_number(form.get("quantity", "1"), "quantity") or 1
    pledge_id = form.get("pledge", "")
    services = services_of(request)
    if form.get("action") == "withdraw" and pledge_id:
        await run_in_threadpool(campaigns.withdraw_pledge, services, who, campaign_id, pledge_id)
    elif pledge_id:
        await run_in_threadpool(
            campaigns.change_pledge, services, who, campaign_id, pledge_id, quantity
        )
    else:
        await run_in_threadpool(campaigns.pledge, services, who, campaign_id, quantity)
    standing = await run_in_threadpool(campaigns.get, services, who, campaign_id)
    return RedirectResponse(
        f"/proposals/{standing.campaign.proposal_id}#campaigns", status_code=303
    )


@router.post("/reviews")
async def review(request: Request, who: Viewer) -> Response:
    """A member reviews the shop of an order they collected."""
    form, who = await signed_form(request, who)
    rating = whole_number(form.get("rating", ""), "rating") or 0
    await run_in_threadpool(
        lambda: reviews.write(
            services_of(request),
            who,
            fulfilment_kind=FulfilmentKind.ORDER,
            fulfilment_id=form.get("order", "")[:64],
            rating=rating,
            text=form.get("text", ""),
        )
    )
    return RedirectResponse("/#orders", status_code=303)
