"""Who is looking at a page: the session cookie (or a bearer header), logging in and out.

A browser cannot send a bearer header when it navigates, so logging in through the form
puts the same kind of bearer token in an HttpOnly, SameSite=Lax cookie; pages and the live
stream accept either. Form posts carry a CSRF token and are refused from another origin
(``forms``), so another site cannot log a visitor in or out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.errors import AuthenticationFailed, TooManyAttempts
from buurt.services.commerce.nearest import StockFinder
from buurt.services.community import auth, throttle
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.web.i18n import _
from buurt.web.pages.forms import read_form
from buurt.web.pages.rendering import render

COOKIE = "buurt_session"
SESSION = timedelta(days=30)
router = APIRouter(include_in_schema=False)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def stock_finder_of(request: Request) -> StockFinder:
    """The instance's nearest-stock index, which the pages ask as the API does."""
    finder: StockFinder = request.app.state.instance.stock_finder
    return finder


def token_of(request: Request) -> str | None:
    """The bearer token of the request: the ``Authorization`` header, else the cookie."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


def viewer(request: Request) -> Principal | None:
    """The principal looking at the page, or ``None`` for a visitor not logged in."""
    token = token_of(request)
    if token is None:
        return None
    try:
        return auth.authenticate(services_of(request), token)
    except AuthenticationFailed:
        return None


Viewer = Annotated[Principal | None, Depends(viewer)]


def safe_next(target: str | None) -> str:
    """Only a path on this site is a place to return to after logging in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_page(
    request: Request,
    who: Principal | None,
    *,
    next_path: str,
    email: str = "",
    error: str = "",
    status: int | None = None,
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        {"next": next_path, "email": email, "error": error},
        who,
        status_code=status or (401 if error else 200),
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, who: Viewer, next: str | None = None) -> Response:
    if who is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_page(request, who, next_path=safe_next(next))


@router.post("/login")
async def log_in(request: Request) -> Response:
    form = await read_form(request)
    if form is None:
        return render(request, "refused.html", {}, None, status_code=403)
    email = form.get("email", "").strip()[:320]
    password = form.get("password", "")[:200]
    next_path = safe_next(form.get("next", "/"))
    guard = request.app.state.instance.login_throttle
    address = request.client.host if request.client else "unknown"
    try:
        _token, secret = await run_in_threadpool(
            throttle.log_in,
            services_of(request),
            guard,
            address,
            email,
            password,
            "web session",
            SESSION,
        )
    except AuthenticationFailed:
        return login_page(
            request, None, next_path=next_path, email=email, error=_("Wrong email or password.")
        )
    except TooManyAttempts as refused:
        minutes = max(1, -(-refused.retry_after // 60))
        page = login_page(
            request,
            None,
            next_path=next_path,
            email=email,
            error=_(
                "Too many failed logins. Try again in %(minutes)s minutes, or reset your password.",
                minutes=minutes,
            ),
            status=429,
        )
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(SESSION.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
async def log_out(request: Request, who: Viewer) -> Response:
    """Revoke the session's token (so a copied cookie stops working) and forget the cookie."""
    if await read_form(request) is None:
        return render(request, "refused.html", {}, who, status_code=403)
    if who is not None:
        await run_in_threadpool(auth.revoke_token, services_of(request), who, who.token_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    # The pages kept for offline use were this person's: nothing of them stays behind.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
