"""RFC 9457 problem details: every error answer of the API, in one place.

Domain errors, validation errors, HTTP errors and unexpected failures all become
``application/problem+json``; a traceback never reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from buurt.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    InvalidRows,
    NotFound,
    PermissionDenied,
    TooLarge,
    TooManyAttempts,
    Unavailable,
    UnsupportedType,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("buurt.web")


def status_of(error: DomainError) -> int:
    """The HTTP status a domain error answers with, for the API and the pages alike."""
    return next((code for kind, code in _STATUS_OF if isinstance(error, kind)), 400)


_STATUS_OF: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (TooLarge, 413),
    (UnsupportedType, 415),
    (InvalidInput, 422),
    (AuthenticationFailed, 401),
    (Unavailable, 503),
    (TooManyAttempts, 429),
]
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class InvalidParam(BaseModel):
    name: str = Field(description="Where the problem is, such as `body.place.lat`.")
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(default="about:blank")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = Field(
        default=None, alias="invalid-params", serialization_alias="invalid-params"
    )


def problem(
    status: int,
    detail: str | None = None,
    *,
    instance: str | None = None,
    title: str | None = None,
    invalid: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if invalid:
        body["invalid-params"] = invalid
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


API_PREFIXES = ("/v1/", "/openapi.json", "/docs", "/healthz", "/metrics")


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API): errors answer it with an HTML page."""
    path = request.url.path
    if path.startswith(API_PREFIXES) or path == "/v1":
        return False
    return "text/html" in request.headers.get("accept", "")


def page(request: Request, status: int, detail: str | None = None) -> Response:
    from buurt.web.pages.errors import error_page  # the pages import this module

    return error_page(request, status, detail)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        invalid = [
            {"name": _location(e.get("loc", ())), "reason": str(e.get("msg", "invalid"))}
            for e in error.errors()
        ]
        if any(e.get("type") == "json_invalid" for e in error.errors()):
            return problem(400, "The request body is not valid JSON.", invalid=invalid)
        names = ", ".join(sorted({i["name"] for i in invalid}))
        return problem(422, f"Invalid value for: {names}.", invalid=invalid)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, error: DomainError) -> Response:
        status = status_of(error)
        if wants_page(request):
            return page(request, status, error.detail)
        invalid = None
        if isinstance(error, InvalidRows):
            invalid = [{"name": where, "reason": why} for where, why in error.problems]
        elif isinstance(error, InvalidInput) and error.field:
            invalid = [{"name": error.field, "reason": error.detail}]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(error, TooManyAttempts):
            headers = {"Retry-After": str(error.retry_after)}
        return problem(status, error.detail, title=error.title, invalid=invalid, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else None
        if error.status_code == 404 and detail == "Not Found":
            moved = _slash_twin(request)
            if moved is not None:
                return RedirectResponse(moved, status_code=307)
        if wants_page(request) and error.status_code in (403, 404, 405):
            return page(request, error.status_code)
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        if error.status_code == 404 and detail == "Not Found":
            detail = f"There is nothing at {request.url.path}."
        if error.status_code == 413:
            detail = "The request body is larger than this server accepts."
        return problem(error.status_code, detail, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if wants_page(request):
            return page(request, 500)
        return problem(500, "Something went wrong on our side; it has been logged.")


def _slash_twin(request: Request) -> str | None:
    """The same path with its trailing slash added or removed, as a relative URL (never a
    ``Host`` taken from the request), when a route serves it."""
    path = request.url.path
    if path == "/":
        return None
    twin = path.rstrip("/") if path.endswith("/") else path + "/"
    if not twin or twin.startswith("//"):
        return None
    scope = {**request.scope, "path": twin}
    for route in request.app.router.routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            query = request.url.query
            return twin + (f"?{query}" if query else "")
    return None


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE and isinstance(route, APIRoute):
            methods |= route.methods or set()
    return sorted(methods)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problem answers an operation can give."""
    return {
        status: {
            "description": _TITLES.get(status, "Error"),
            "model": Problem,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
