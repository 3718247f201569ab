"""HTML error pages: what a browser gets where the API would answer problem+json."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from buurt.web.i18n import _
from buurt.web.pages.rendering import render
from buurt.web.pages.session import viewer


def error_page(request: Request, status: int, detail: str | None = None) -> HTMLResponse:
    """The page for ``status``, in the visitor's language; a domain error's ``detail`` is
    shown as it is (it is written for people)."""
    who = viewer(request)
    if status == 404:
        return render(request, "not_found.html", {}, who, status_code=404)
    if status == 403:
        return render(request, "refused.html", {"detail": detail}, who, status_code=403)
    titles = {
        401: _("Log in first"),
        405: _("Not possible here"),
        409: _("That cannot be done now"),
        422: _("Something is not right"),
        429: _("Too many tries"),
        500: _("Something went wrong on our side"),
        503: _("Not available right now"),
    }
    title = titles.get(status, _("Something is not right"))
    if status == 500:
        detail = _("It has been logged. Please try again in a moment.")
    return render(
        request, "error.html", {"title": title, "detail": detail}, who, status_code=status
    )
