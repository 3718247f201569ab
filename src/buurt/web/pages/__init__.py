"""Web pages: every thing has its own page (``/things/{id}``), live through Server-Sent
Events, behind the same tokens as the API (a login form puts one in a session cookie).

Modules: ``session`` (who is looking, log in and out), ``things`` (index, thing page, charts,
stream), ``live`` (the event broadcaster and the SSE body), ``charts`` (server-side SVG line
charts), ``fields`` (units and how values read), ``rendering`` (templates). Pages use the
services and the access policies, never the store directly; ``install`` wires them into the
app. Templates are in ``web/templates``, the one stylesheet and script in ``web/static``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from buurt.services.context import Services
from buurt.web.pages import session, things
from buurt.web.pages.live import ThingStreams
from buurt.web.pages.rendering import WEB


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Listen for new events while the app runs (and stop listening when it stops)."""
    services: Services = app.state.services
    streams = ThingStreams()
    app.state.thing_streams = streams
    services.listeners.append(streams.listen)
    try:
        yield
    finally:
        services.listeners.remove(streams.listen)


router = APIRouter(include_in_schema=False, lifespan=_lifespan)
router.include_router(session.router)
router.include_router(things.router)


def install(app: FastAPI) -> None:
    """Serve the pages and their static files (after ``app.state.services`` is set)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
