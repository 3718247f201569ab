"""The language of each request, and the switch that changes it.

A small ASGI middleware makes the request's language current (``buurt.web.i18n.choose``: the
visitor's cookie, else the browser's ``Accept-Language``) for everything that renders during
the request; ``POST /language`` remembers a choice for a year and goes back to the page.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from buurt.web import i18n
from buurt.web.pages.forms import read_form
from buurt.web.pages.session import safe_next

router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600


class LanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header: no choice was made
            cookies = SimpleCookie()
        chosen = cookies[i18n.COOKIE].value if i18n.COOKIE in cookies else None
        token = i18n.use(i18n.choose(chosen, headers.get("accept-language")))
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset(token)


@router.post("/language")
async def switch_language(request: Request) -> Response:
    """Remember the chosen language, then go back to where the visitor was."""
    form = await read_form(request)
    if form is None:
        return RedirectResponse("/", status_code=303)
    language = form.get("language", "")
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE,
            language,
            max_age=YEAR,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response
