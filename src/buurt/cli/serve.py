"""``buurt serve`` and ``buurt demo``: run the API (the demo seeds a neighbourhood first)."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from buurt.bootstrap import Buurt, build
from buurt.cli.options import DatabaseOption, settings_with
from buurt.web.app import create_app

console = Console()
SHUTDOWN_GRACE_SECONDS = 3
HostOption = Annotated[str | None, typer.Option("--host", help="Address to listen on.")]
PortOption = Annotated[int | None, typer.Option("--port", help="Port to listen on.")]


MqttOption = Annotated[
    str | None,
    typer.Option(
        "--mqtt", help="Broker for things: mqtt://user:pass@host:port (mqtts:// for TLS)."
    ),
]
MqttDirOption = Annotated[
    Path | None,
    typer.Option("--mqtt-config-dir", help="Write the broker's passwd and acl files here."),
]


def _run(instance: Buurt) -> None:
    """Serve a built instance until interrupted, then close it."""
    settings = instance.settings
    try:
        # The matching indexes and the consent book just loaded live as long as the process:
        # spare the cyclic collector from walking them again on every full collection.
        gc.collect()
        gc.freeze()
        try:
            instance.start_mqtt()
        except OSError as error:  # refused, unreachable, no subscription: say so in one line
            console.print(f"[red]MQTT broker:[/red] {error}")
            raise typer.Exit(1) from error
        uvicorn.run(
            create_app(instance),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            # Live streams (thing pages) never end by themselves: give them this long to
            # finish on shutdown, then close them (browsers reconnect with Last-Event-ID).
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
    finally:
        instance.close()


def serve(
    db: DatabaseOption = None,
    host: HostOption = None,
    port: PortOption = None,
    mqtt: MqttOption = None,
    mqtt_config_dir: MqttDirOption = None,
) -> None:
    """Serve the HTTP API (migrating the database first), and the MQTT gateway with --mqtt."""
    settings = settings_with(
        db, host=host, port=port, mqtt_url=mqtt, mqtt_config_dir=mqtt_config_dir
    )
    _run(build(settings))


def demo(db: DatabaseOption = None, host: HostOption = None, port: PortOption = None) -> None:
    """Seed the demo neighbourhood (idempotently) and serve the API, with the neighbourhood
    alive: things report and people ask while it runs (BUURT_DEMO_LIFE_SECONDS)."""
    from buurt.demo import seed  # the demo data is only loaded when asked for
    from buurt.demo.life import DemoLife

    settings = settings_with(db, host=host, port=port)
    instance = build(settings)
    try:
        summary = seed(instance.services)
    except BaseException:
        instance.close()
        raise
    console.print(summary.render(settings))
    life = DemoLife(instance.services, settings.demo_life_seconds)
    _run(replace(instance, background=(*instance.background, life)))
