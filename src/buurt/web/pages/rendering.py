"""The page templates (Jinja2, autoescaped) and the one helper that renders them."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from buurt.services.principals import Principal
from buurt.web.pages import fields

WEB = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=WEB / "templates")
templates.env.filters["show"] = fields.show
templates.env.globals["unit_of"] = fields.unit_of
templates.env.globals["label_of"] = fields.label_of


def local_time(at: datetime | None, zone: tzinfo, style: str = "%a %d %b, %H:%M") -> str:
    """An instant as the circle's clock shows it."""
    return at.astimezone(zone).strftime(style) if at else "never"


templates.env.filters["local"] = local_time


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    who: Principal | None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, {**context, "who": who}, status_code=status_code
    )
    # Pages show personal data: never kept by shared caches, never framed by other sites.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    return response
