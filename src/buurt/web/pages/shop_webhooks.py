"""``/shop/{id}/webhooks``: the shop's webhook endpoints, acting as the shop.

The shop's till or website receives its moments as signed posts (``docs/webhooks.md``). Here
its owner lists the endpoints, adds one (the signing secret is shown on the answer to that
post, once, and never again) and deletes one, and sees each endpoint's newest deliveries with
their status. The use cases are the API's: the URL checks against private addresses, the
limit of endpoints and the owner-only policy apply alike.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.community import Business, Circle
from buurt.domain.errors import Conflict, InvalidInput
from buurt.domain.parties import PartyKind
from buurt.domain.webhooks import MAX_URL_LENGTH, WebhookEndpoint, WebhookTopic
from buurt.services import resources
from buurt.services.principals import Principal
from buurt.services.webhooks import deliveries, endpoints
from buurt.web.i18n import _
from buurt.web.pages.forms import signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of
from buurt.web.pages.shop import BusinessId, acting_for

router = APIRouter(include_in_schema=False)
EndpointId = Annotated[str, Path(max_length=64)]


def _view(request: Request, acting: Principal) -> dict[str, Any]:
    services = services_of(request)
    mine = {"owner_kind": PartyKind.BUSINESS, "owner_id": acting.id}
    found = resources.list_page(
        services, acting, WebhookEndpoint, endpoints.POLICY, where=mine, limit=100
    ).items
    recent = {e.id: deliveries.recent_deliveries(services, acting, e.id) for e in found}
    with services.uow() as uow:
        business = uow.repo(Business).get(acting.id)
        circle = uow.repo(Circle).get(business.circle_id) if business else None
    return {
        "business": business,
        "endpoints": found,
        "recent": recent,
        "topics": list(WebhookTopic),
        "zone": ZoneInfo(circle.timezone if circle else "UTC"),
        "max_url": MAX_URL_LENGTH,
    }


async def _page(
    request: Request,
    who: Principal,
    business_id: str,
    extra: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    view = await run_in_threadpool(_view, request, acting)
    # The header names the shop acted for, as on the dashboard.
    context = {**view, **extra, "acting": acting, "shop": {"business": view["business"]}}
    return render(request, "shop_webhooks.html", context, who, status_code=status)


@router.get("/shop/{business_id}/webhooks", response_class=HTMLResponse)
async def webhooks(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    if who is None:
        return RedirectResponse(f"/login?next=/shop/{business_id}/webhooks", status_code=303)
    return await _page(request, who, business_id, {})


@router.post("/shop/{business_id}/webhooks")
async def add(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    """Register an endpoint for the shop; the answer shows its secret, once."""
    form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    topics = [t.value for t in WebhookTopic if form.get(t.value)]
    url = form.get("url", "").strip()
    problem = None
    if not url.lower().startswith(("https://", "http://")) or len(url) > MAX_URL_LENGTH:
        problem = _("An address starts with https:// (or http://).")
    elif not topics:
        problem = _("Pick at least one kind of news to receive.")
    status = 422
    if problem is None:
        try:
            created = await run_in_threadpool(
                lambda: endpoints.register(
                    services_of(request),
                    acting,
                    url=url,
                    topics=topics,
                    description=form.get("description", "").strip()[:200],
                )
            )
        except (InvalidInput, Conflict) as bad:
            problem = _refused(bad)
            status = 409 if isinstance(bad, Conflict) else 422
    if problem is not None:
        return await _page(request, who, business_id, {"error": problem, "values": form}, status)
    # A 200 page, never a redirect: the secret must not travel in a URL or be shown again.
    return await _page(request, who, business_id, {"created": created})


def _refused(error: InvalidInput | Conflict) -> str:
    if isinstance(error, Conflict):
        return _(
            "A shop has at most %(num)s webhook endpoints.", num=endpoints.MAX_ENDPOINTS_PER_OWNER
        )
    if error.field == "url":
        return _(
            "Buurt cannot post to that address: it must be a public web address "
            "(not this network's own), with a host name that resolves."
        )
    return error.detail


@router.post("/shop/{business_id}/webhooks/{endpoint_id}/delete")
async def delete(
    request: Request, business_id: BusinessId, endpoint_id: EndpointId, who: Viewer
) -> Response:
    _form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    await run_in_threadpool(endpoints.delete_webhook, services_of(request), acting, endpoint_id)
    return RedirectResponse(f"/shop/{business_id}/webhooks", status_code=303)
