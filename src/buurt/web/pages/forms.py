"""Form posts from the pages: protection against cross-site requests, and reading the fields.

Every form carries a CSRF token (double submit): a random value in the ``buurt_csrf`` cookie
(HttpOnly, SameSite=Lax) and the same value in a hidden field. Another site can make a browser
post a form, but it can neither read the cookie nor guess the value, so a post whose field
does not match its cookie is refused. The browser's ``Origin`` must also be this site's when
it is sent. Both hold for every post, logged in or not (logging in, signing up, resetting a
password).

``money`` and ``whole_number`` read the numbers people type ("4,95", "12") for every form.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from markupsafe import Markup, escape
from starlette.responses import Response

from buurt.domain.errors import InvalidInput
from buurt.services.principals import Principal
from buurt.web.i18n import _

CSRF_COOKIE = "buurt_csrf"
MAX_FIELDS = 50
MAX_BODY = 64 * 1024


def csrf_token(request: Request) -> str:
    """The request's token: the cookie's, or a new one (``remember_csrf`` sets the cookie)."""
    found = request.cookies.get(CSRF_COOKIE, "")
    if len(found) == 43 and found.replace("-", "").replace("_", "").isalnum():
        return found
    cached: str | None = getattr(request.state, "csrf", None)
    if cached is None:
        cached = secrets.token_urlsafe(32)
        request.state.csrf = cached
    return cached


def csrf_field(request: Request) -> Callable[[], Markup]:
    """What templates call as ``{{ csrf_field() }}``: the hidden field of the request's token."""
    token = csrf_token(request)

    def field() -> Markup:
        return Markup('<input type="hidden" name="csrf" value="%s">') % escape(token)

    return field


def remember_csrf(request: Request, response: Response, token: str) -> None:
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc == request.headers.get("host", "")


async def read_form(request: Request) -> dict[str, str] | None:
    """The posted fields (first value of each), or ``None`` when the post must be refused:
    another origin, a missing or wrong CSRF token, or a body too large for a form."""
    if not same_origin(request):
        return None
    body = await request.body()
    if len(body) > MAX_BODY:
        return None
    try:
        parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
    except ValueError:  # more fields than any form of ours has
        return None
    form = {name: values[0] for name, values in parsed.items()}
    sent = form.pop("csrf", "")
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return None
    return form


class FormRefused(Exception):
    """A post ``signed_form`` turns away: the pages answer it with the 403 page
    (``pages.install``), whatever the browser said it accepts."""


async def signed_form(
    request: Request, who: Principal | None, *, member: bool = False
) -> tuple[dict[str, str], Principal]:
    """The fields of a post by whoever is logged in (a member, with ``member``), for the
    routes that act for them; the 403 page when ``read_form`` refuses the post or nobody
    (or no member) is logged in."""
    form = await read_form(request)
    if form is None or who is None or (member and not who.is_member):
        raise FormRefused
    return form, who


MAX_PRICE = Decimal("100000")
MAX_QUANTITY = 100_000


def money(text: str, field: str) -> float | None:
    """A price as people type it ("4,95"), at most two decimals; empty is no price."""
    text = text.strip().replace(",", ".").removeprefix("€").strip()
    if not text:
        return None
    try:
        value = Decimal(text[:20])
    except InvalidOperation:
        raise InvalidInput(_("A price is a number, like 4,95."), field) from None
    if not value.is_finite() or not 0 <= value <= MAX_PRICE or value != round(value, 2):
        raise InvalidInput(_("A price is between 0 and 100.000, in cents at most."), field)
    return float(value)


def whole_number(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 6 or int(text) > MAX_QUANTITY:
        raise InvalidInput(_("A quantity is a whole number up to 100.000."), field)
    return int(text)
