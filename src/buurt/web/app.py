"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Response
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

import buurt
from buurt.adapters.metrics import CONTENT_TYPE
from buurt.bootstrap import Background, Buurt
from buurt.web import api_docs, pages, problems
from buurt.web.api import ROUTERS, idempotency, images
from buurt.web.limits import BodyLimit

DESCRIPTION = """
Buurt matches the needs of a neighbourhood's people, the offers of its businesses and the
events of its connected things in real time, only with the person's consent.

Authenticate with `Authorization: Bearer <token>`: members get a token from
`POST /v1/auth/tokens`; businesses and things get one issued by their owner. Lists are
cursor-paged: pass a page's `next_cursor` as `cursor`. Every error is an RFC 9457
`application/problem+json` document.
"""


class Health(BaseModel):
    status: str
    version: str


def create_app(instance: Buurt, *, workers: bool = True) -> FastAPI:
    """The app of a built instance. While it serves it runs the instance's background work
    (webhook deliveries, periodic upkeep); an API replica that leaves those to other
    processes, or a test that drives them itself, passes ``workers=False``."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started: list[Background] = []
        try:
            for worker in instance.background if workers else ():
                await worker.start()
                started.append(worker)
            yield
        finally:
            for worker in reversed(started):
                await worker.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Buurt API",
        version=buurt.__version__,
        description=DESCRIPTION,
        docs_url=None,  # served by api_docs, from the package
        redoc_url=None,
        # Starlette's own redirect copies the Host header into Location; ``problems`` answers
        # a path that differs by its trailing slash with a relative redirect instead.
        redirect_slashes=False,
    )
    app.state.instance = instance
    app.state.services = instance.services
    problems.install(app)
    idempotency.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(api_docs.router)
    pages.install(app)

    @app.get("/healthz", tags=["operations"], openapi_extra={"security": []})
    def healthz() -> Health:
        """Liveness: answers 200 while the process serves requests."""
        return Health(status="ok", version=buurt.__version__)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus' scrape: open like /healthz (docs/operations.md says where to expose it)."""
        return Response(instance.metrics.render(), media_type=CONTENT_TYPE)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema["components"]["schemas"]["Problem"] = problems.Problem.model_json_schema(
                by_alias=True, ref_template="#/components/schemas/{model}"
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(
        BodyLimit,
        max_bytes=instance.settings.max_body_bytes,
        uploads=images.UPLOADS,
        # The multipart envelope around the image: its boundaries and part headers.
        upload_bytes=instance.settings.max_image_bytes + 64 * 1024,
    )
    return app
