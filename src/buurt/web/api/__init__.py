"""The JSON API under ``/v1``: one router module per resource, thin, plus shared schemas and
dependencies (``deps``: the services, the authenticated principal, paging)."""

from fastapi import APIRouter

from buurt.web.api import auth, circles, members

ROUTERS: list[APIRouter] = [
    auth.router,
    circles.router,
    members.router,
]
