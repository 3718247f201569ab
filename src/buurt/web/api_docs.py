"""``/docs``: the OpenAPI document in Swagger UI, served from the package, never from a CDN.

Swagger UI is vendored in ``web/static/vendor`` (version and licence in its ``LICENSES.md``);
the page starts it with ``web/static/api-docs.js``, so it holds no inline script and keeps the
Content-Security-Policy of the pages. It works on a machine without internet.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI = f"/static/vendor/swagger-ui-{SWAGGER_UI_VERSION}"
# The pages' policy: no script, style or request but the server's own files (the UI's own
# style changes go through the DOM, which the policy allows).
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}

PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Buurt API</title>
  <link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
  <link rel="icon" href="/static/icon.svg" type="image/svg+xml">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="/openapi.json"></div>
  <script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return HTMLResponse(PAGE, headers=HEADERS)
