"""Web pages for residents, shop owners and admins, behind the same tokens as the API (a login
form puts one in a session cookie); live parts through Server-Sent Events.

Modules: ``session`` (who is looking, log in and out), ``accounts`` (sign up, confirm, reset),
``home`` and ``moment_stream`` (a member's moments, live), ``needs``, ``consent``, ``circle``
(the charter and its votes), ``settings``, ``things`` and ``live`` (thing pages and their
stream), ``shop``, ``shop_stock``, ``shop_webhooks`` and ``demand`` (a member acting for
their shop), ``stock`` (finding it in stock nearby, and reservations), ``sharing`` and
``sharing_forms`` (bookable things and bookings), ``automations`` (a member's rules that
command their things), ``circle_map`` and ``maps`` (SVG hexagon maps), ``charts`` (SVG line
charts), ``fields`` and ``names`` (how values read), ``rendering`` (templates). Pages use the
services and the access policies, never the store directly; ``install`` wires them into the
app. Templates are in ``web/templates``, styles and scripts in ``web/static``.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from buurt.web.pages import (
    accounts,
    admin,
    admin_circle,
    answers,
    app,
    automations,
    circle,
    circle_map,
    cocreation,
    consent,
    demand,
    home,
    join,
    language,
    needs,
    session,
    settings,
    sharing,
    shop,
    shop_staff,
    shop_stock,
    shop_webhooks,
    stock,
    things,
)
from buurt.web.pages.forms import FormRefused
from buurt.web.pages.rendering import WEB, render
from buurt.web.pages.session import viewer

router = APIRouter(include_in_schema=False)
router.include_router(session.router)
router.include_router(language.router)
router.include_router(accounts.router)
router.include_router(circle_map.router)
router.include_router(app.router)
router.include_router(home.router)
router.include_router(answers.router)
router.include_router(needs.router)
router.include_router(consent.router)
router.include_router(settings.router)
router.include_router(things.router)
router.include_router(sharing.router)
router.include_router(automations.router)
router.include_router(shop.router)
router.include_router(shop_stock.router)
router.include_router(shop_webhooks.router)
router.include_router(stock.router)
router.include_router(shop_staff.router)
router.include_router(demand.router)
router.include_router(circle.router)
router.include_router(admin.router)
router.include_router(admin_circle.router)
router.include_router(cocreation.router)
router.include_router(join.router)


def install(app: FastAPI) -> None:
    """Serve the pages and their static files (after ``app.state.services`` is set)."""
    app.include_router(router)

    @app.exception_handler(FormRefused)
    async def _refused(request: Request, error: FormRefused) -> Response:
        return render(request, "refused.html", {}, viewer(request), status_code=403)

    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_middleware(language.LanguageMiddleware)
