"""``buurt serve`` and ``buurt demo``: run the API (the demo seeds a neighbourhood first)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from buurt.bootstrap import build
from buurt.cli.options import DatabaseOption, settings_with
from buurt.config import Settings
from buurt.web.app import create_app

console = Console()
SHUTDOWN_GRACE_SECONDS = 3
HostOption = Annotated[str | None, typer.Option("--host", help="Address to listen on.")]
PortOption = Annotated[int | None, typer.Option("--port", help="Port to listen on.")]


def _run(settings: Settings) -> None:
    instance = build(settings)
    app = create_app(
        instance.services,
        max_body_bytes=settings.max_body_bytes,
        upkeep_seconds=settings.maintenance_interval_seconds,
        background=[instance.webhooks],
    )
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            # Live streams (thing pages) never end by themselves: give them this long to
            # finish on shutdown, then close them (browsers reconnect with Last-Event-ID).
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
    finally:
        instance.close()


def serve(db: DatabaseOption = None, host: HostOption = None, port: PortOption = None) -> None:
    """Serve the HTTP API (migrating the database first)."""
    _run(settings_with(db, host=host, port=port))


def demo(db: DatabaseOption = None, host: HostOption = None, port: PortOption = None) -> None:
    """Seed the demo neighbourhood (idempotently) and serve the API."""
    from buurt.demo import seed  # the demo data is only loaded when asked for

    settings = settings_with(db, host=host, port=port)
    instance = build(settings)
    try:
        summary = seed(instance.services)
    finally:
        instance.close()
    console.print(summary.render(settings))
    _run(settings)
