"""The page templates (Jinja2, autoescaped, in two languages) and the one helper that renders them.

Every text a person reads is wrapped in ``_()`` (``buurt.web.i18n``); dates, numbers and money
go through the ``when``, ``number`` and ``money`` filters, so they read as the language writes
them. Every form carries ``{{ csrf_field() }}`` (``forms``).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader
from starlette.templating import Jinja2Templates

from buurt.services.principals import Principal
from buurt.web import i18n
from buurt.web.pages import fields, forms, names, reasons

WEB = Path(__file__).resolve().parent.parent
env = Environment(
    loader=FileSystemLoader(WEB / "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
templates = Jinja2Templates(env=env)
# Newstyle gettext fills the placeholders itself (``num`` included), after the call: the
# callables only translate.
env.install_gettext_callables(  # type: ignore[attr-defined]
    lambda message: i18n.translations(i18n.current()).gettext(message),
    lambda singular, plural, n: i18n.translations(i18n.current()).ngettext(singular, plural, n),
    newstyle=True,
)
env.filters["show"] = fields.show
env.globals["unit_of"] = fields.unit_of
env.globals["label_of"] = fields.label_of
env.globals["languages"] = i18n.NAMES
env.globals["category_name"] = names.category_name
env.globals["moment_reason"] = reasons.reason_of
env.globals["duration_name"] = names.duration_name
env.globals["day_minute"] = names.day_minute
env.globals["weekday_name"] = i18n.weekday_name
env.globals.update(names.context())


def when(at: datetime | None, zone: tzinfo, style: str = "medium") -> str:
    """An instant as the circle's clock shows it, in the page's language."""
    return i18n.format_datetime(at, zone, style)


env.filters["when"] = when
env.filters["number"] = i18n.format_number
env.filters["longdate"] = i18n.format_date
env.filters["money"] = i18n.format_money
env.filters["weekdays"] = i18n.format_weekdays

# Pages show personal data: never kept by shared caches, never framed by other sites, and no
# script but the package's own files.
SECURITY_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    who: Principal | None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    token = forms.csrf_token(request)
    values = {
        **context,
        "who": who,
        "lang": i18n.current(),
        "csrf_field": forms.csrf_field(request),
        "here": request.url.path,
    }
    response: HTMLResponse = templates.TemplateResponse(
        request, name, values, status_code=status_code
    )
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = i18n.current()
    forms.remember_csrf(request, response, token)
    return response
