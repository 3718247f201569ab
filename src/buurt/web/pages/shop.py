"""A shop owner's pages: one login, acting for their shop.

``/shop`` lists the businesses the member owns; ``/shop/{id}`` is the dashboard of one, read
and answered as that business (``auth.as_business``): incoming moments live (answered in one
tap), offers edited in place, orders moved a step at a time. Its demand map is in ``demand``.
``/shops/{id}`` is the
shop's public page, for every member of its circle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.activity import OfferStatus
from buurt.domain.community import Business, Circle
from buurt.domain.errors import DomainError, InvalidInput, NotFound
from buurt.domain.orders import OrderStatus
from buurt.domain.places import Area
from buurt.domain.taxonomy import GROUPS, TAXONOMY
from buurt.services.cocreation import reviews
from buurt.services.commerce import orders, shop
from buurt.services.community import auth, staff
from buurt.services.principals import Principal
from buurt.services.publishing import offers
from buurt.web.i18n import _
from buurt.web.pages import maps
from buurt.web.pages.forms import money, signed_form, whole_number
from buurt.web.pages.moment_stream import moment_stream
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
BusinessId = Annotated[str, Path(max_length=64)]
ItemId = Annotated[str, Path(max_length=64)]
OFFER_RADIUS_M = 1500.0
ORDER_STEPS = {s.value: s for s in (OrderStatus.READY, OrderStatus.COLLECTED,
                                    OrderStatus.CANCELLED)}  # fmt: skip


def acting_for(request: Request, who: Principal | None, business_id: str) -> Principal:
    """The viewer as the business, or ``NotFound`` (the HTML 404) for anyone else."""
    if who is None:
        raise NotFound("business", business_id)
    return auth.as_business(services_of(request), who, business_id)


def _zone(request: Request, circle_id: str) -> ZoneInfo:
    with services_of(request).uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
    return ZoneInfo(circle.timezone if circle else "UTC")


@router.get("/shop", response_class=HTMLResponse)
async def my_shops(request: Request, who: Viewer) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/shop", status_code=303)
    owned = await run_in_threadpool(_owned, request, who)
    if len(owned) == 1:
        return RedirectResponse(f"/shop/{owned[0].id}", status_code=303)
    return render(request, "shops.html", {"businesses": owned}, who)


def _owned(request: Request, who: Principal) -> list[Business]:
    """The businesses the member owns or works for."""
    with services_of(request).uow() as uow:
        found = [uow.repo(Business).get(i) for i in who.businesses | who.works_for]
    return sorted((b for b in found if b), key=lambda b: b.name.lower())


@router.get("/shop/{business_id}", response_class=HTMLResponse)
async def dashboard(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    if who is None:
        return RedirectResponse(f"/login?next=/shop/{business_id}", status_code=303)
    return await _dashboard(request, who, business_id, {}, "")


async def _dashboard(
    request: Request,
    who: Principal,
    business_id: str,
    values: dict[str, str],
    error: str,
    status: int = 200,
    problems: list[tuple[str, str]] | None = None,
) -> HTMLResponse:
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    view = await run_in_threadpool(shop.dashboard, services_of(request), acting)
    context = {
        "shop": view,
        "acting": acting,
        "zone": await run_in_threadpool(_zone, request, view.business.circle_id),
        "taxonomy": TAXONOMY,
        "groups": GROUPS,
        "values": values,
        "error": error,
        "steps": _next_steps,
        "problems": problems or [],
        "site_names": {site.id: site.name for site in view.sites},
        "viewer_id": who.id,
        "staff": await run_in_threadpool(
            staff.list_staff, services_of(request), acting, business_id
        ),
    }
    return render(request, "shop.html", context, who, status_code=status)


dashboard_page = _dashboard  # the stock routes (``shop_stock``) answer with it too


def _next_steps(status: OrderStatus) -> list[OrderStatus]:
    """The steps the business may take from ``status``, the usual one first."""
    return {
        OrderStatus.PLACED: [OrderStatus.READY, OrderStatus.CANCELLED],
        OrderStatus.READY: [OrderStatus.COLLECTED, OrderStatus.CANCELLED],
    }.get(status, [])


@router.get("/shop/{business_id}/stream")
async def stream(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    """The business's moments as they arrive, for the dashboard's live list."""
    if who is None:
        return Response("log in first\n", status_code=401, media_type="text/plain")
    try:
        acting = await run_in_threadpool(acting_for, request, who, business_id)
    except DomainError:
        return Response("not your shop\n", status_code=404, media_type="text/plain")
    return moment_stream(request, acting, lambda m: m.recipient_kind == "business")


@router.post("/shop/{business_id}/offers")
async def new_offer(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    services = services_of(request)
    try:
        values = _offer_fields(form)
        site = await run_in_threadpool(_site_area, request, acting, form.get("site", ""))
        await run_in_threadpool(
            lambda: offers.publish_offer(
                services,
                acting,
                circle_id=min(acting.circles),
                area=site,
                **values,
            )
        )
    except InvalidInput as bad:
        return await _dashboard(request, who, business_id, form, bad.detail, status=422)
    return RedirectResponse(f"/shop/{business_id}#offers", status_code=303)


@router.post("/shop/{business_id}/offers/{offer_id}")
async def change_offer(
    request: Request, business_id: BusinessId, offer_id: ItemId, who: Viewer
) -> Response:
    """Save an offer's price, quantity and title, or mark it sold out, back, or withdrawn."""
    form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    changes: dict[str, Any]
    step = form.get("status", "")
    try:
        if step:
            changes = {"status": OfferStatus(step)}
        else:
            changes = {
                "title": _title(form),
                "price": money(form.get("price", ""), "price"),
                "quantity": whole_number(form.get("quantity", ""), "quantity"),
            }
        await run_in_threadpool(
            offers.update_offer, services_of(request), acting, offer_id, changes
        )
    except (InvalidInput, ValueError) as bad:
        detail = bad.detail if isinstance(bad, InvalidInput) else _("Check the form.")
        return await _dashboard(request, who, business_id, {}, detail, status=422)
    return RedirectResponse(f"/shop/{business_id}#offer-{offer_id}", status_code=303)


@router.post("/shop/{business_id}/orders/{order_id}/step")
async def order_step(
    request: Request, business_id: BusinessId, order_id: ItemId, who: Viewer
) -> Response:
    form, who = await signed_form(request, who)
    status = ORDER_STEPS.get(form.get("status", ""))
    if status is None:
        return render(request, "refused.html", {}, who, status_code=403)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    reason = form.get("reason", "").strip()[:200] or None
    await run_in_threadpool(
        orders.transition, services_of(request), acting, order_id, status, reason
    )
    return RedirectResponse(f"/shop/{business_id}#orders", status_code=303)


@router.post("/shop/{business_id}/reviews/{review_id}/answer")
async def answer_review(
    request: Request, business_id: BusinessId, review_id: ItemId, who: Viewer
) -> Response:
    """The shop answers a review, once."""
    form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    try:
        await run_in_threadpool(
            reviews.answer, services_of(request), acting, review_id, form.get("text", "")
        )
    except InvalidInput as bad:
        return await _dashboard(request, who, business_id, {}, bad.detail, status=422)
    return RedirectResponse(f"/shop/{business_id}#reviews", status_code=303)


def _site_area(request: Request, acting: Principal, site_id: str) -> Area:
    """An offer stands where one of the shop's sites is, reaching the neighbourhood around."""
    view = shop.dashboard(services_of(request), acting)
    sites = {s.id: s for s in view.sites}
    site = sites.get(site_id) or (view.sites[0] if view.sites else None)
    if site is None:
        raise InvalidInput(_("Add a site to your shop first: an offer stands at a site."), "site")
    return Area(center=site.place, radius_m=OFFER_RADIUS_M)


def _offer_fields(form: dict[str, str]) -> dict[str, Any]:
    category = form.get("category", "")
    if not any(category in entries for entries in TAXONOMY.values()):
        raise InvalidInput(_("Pick a category."), "category")
    return {
        "category": category,
        "title": _title(form),
        "description": form.get("description", "").strip()[:1000],
        "price": money(form.get("price", ""), "price"),
        "quantity": whole_number(form.get("quantity", ""), "quantity"),
        "valid_until": _until(form.get("valid_until", "")),
    }


def _title(form: dict[str, str]) -> str:
    title = form.get("title", "").strip()[:200]
    if not title:
        raise InvalidInput(_("Give the offer a title."), "title")
    return title


def _until(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        day = datetime.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InvalidInput(_("Pick a date."), "valid_until") from None
    return day.replace(tzinfo=UTC)


@router.get("/shops/{business_id}", response_class=HTMLResponse)
async def public_page(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    if who is None:
        return RedirectResponse(f"/login?next=/shops/{business_id}", status_code=303)
    view = await run_in_threadpool(shop.public_page, services_of(request), who, business_id)
    with services_of(request).uow() as uow:
        circle = uow.repo(Circle).get(view.business.circle_id)
    svg = None
    if circle is not None and view.sites:
        svg = maps.hex_map(
            maps.cells_of(circle.boundary),
            title=_("Where %(shop)s is", shop=view.business.name),
            marks=[maps.Mark(s.place, s.name, None, "shop") for s in view.sites],
            cell_title=circle.name,
        )
    context = {
        "shop": view,
        "site_names": {s.id: s.name for s in view.sites},
        "svg": svg,
        "zone": ZoneInfo(circle.timezone if circle else "UTC"),
        "now": services_of(request).clock.now(),
    }
    return render(request, "shop_public.html", context, who)
