"""Web pages: every thing has its own page (``/things/{id}``), live through Server-Sent
Events, behind the same tokens as the API (a login form puts one in a session cookie).

Modules: ``session`` (who is looking, log in and out), ``things`` (index, thing page, charts,
stream), ``live`` (the SSE body of a thing's stream), ``charts`` (server-side SVG line
charts), ``fields`` (units and how values read), ``rendering`` (templates). Pages use the
services and the access policies, never the store directly; ``install`` wires them into the
app. Templates are in ``web/templates``, the one stylesheet and script in ``web/static``.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from buurt.web.pages import (
    accounts,
    app,
    circle_map,
    consent,
    home,
    language,
    needs,
    session,
    settings,
    things,
)
from buurt.web.pages.rendering import WEB

router = APIRouter(include_in_schema=False)
router.include_router(session.router)
router.include_router(language.router)
router.include_router(accounts.router)
router.include_router(circle_map.router)
router.include_router(app.router)
router.include_router(home.router)
router.include_router(needs.router)
router.include_router(consent.router)
router.include_router(settings.router)
router.include_router(things.router)


def install(app: FastAPI) -> None:
    """Serve the pages and their static files (after ``app.state.services`` is set)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_middleware(language.LanguageMiddleware)
