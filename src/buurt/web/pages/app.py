"""What makes the pages an installable app: the web app manifest, the service worker (served
from the root so that it may look after every page), and the page it falls back to offline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from buurt.web.i18n import _
from buurt.web.pages.rendering import WEB, render

router = APIRouter(include_in_schema=False)


@router.get("/manifest.webmanifest")
def manifest() -> JSONResponse:
    body = {
        "name": "Buurt",
        "short_name": "Buurt",
        "description": _("Your neighbourhood's people, shops and things, with your consent"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f4",
        "theme_color": "#1e6b50",
        "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json")


@router.get("/sw.js")
def service_worker() -> FileResponse:
    response = FileResponse(WEB / "static" / "sw.js", media_type="text/javascript")
    # The worker must see a new release at once, and may look after the whole site.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@router.get("/offline", response_class=HTMLResponse)
def offline(request: Request) -> HTMLResponse:
    return render(request, "offline.html", {}, None)
