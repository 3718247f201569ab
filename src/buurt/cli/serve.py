"""``buurt serve`` and ``buurt demo``: run the API (the demo seeds a neighbourhood first)."""

from __future__ import annotations

import errno
import gc
import socket
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from buurt.bootstrap import Buurt, build
from buurt.cli.errors import ExitCode, OperatorError, option_of
from buurt.cli.options import DatabaseOption, settings_with

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
    # The web app and the server load here, not when the CLI starts (a second of imports
    # other commands do not need).
    import uvicorn

    from buurt.web.app import create_app

    settings = instance.settings
    try:
        # The matching indexes and the consent book just loaded live as long as the process:
        # spare the cyclic collector from walking them again on every full collection.
        gc.collect()
        gc.freeze()
        try:
            instance.start_mqtt()
        except OSError as error:  # refused, unreachable, no subscription: say so in one line
            raise OperatorError(
                ExitCode.MQTT_UNREACHABLE, option_of("mqtt_url"), str(error)
            ) from None
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


def _check_port(host: str, port: int) -> None:
    """Bind and let go of the address, before anything is migrated or loaded: another
    program on the port, or a host that is not this machine's, is said in a line."""
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise OperatorError(
            ExitCode.SETTING,
            option_of("host"),
            f"{host!r} is not a known address ({error.strerror})",
        ) from None
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a port whose old connections linger in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise OperatorError(
                    ExitCode.PORT_IN_USE,
                    option_of("port"),
                    f"{where} is in use by another program; stop it, or choose another port",
                ) from None
            if error.errno == errno.EACCES:
                raise OperatorError(
                    ExitCode.SETTING,
                    option_of("port"),
                    f"port {port} needs privileges this user lacks; choose one above 1023",
                ) from None
            raise OperatorError(
                ExitCode.SETTING,
                option_of("host"),
                f"cannot listen on {where} ({error.strerror}); use an address of this machine",
            ) from None


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
    _check_port(settings.host, settings.port)
    _run(build(settings))


def demo(db: DatabaseOption = None, host: HostOption = None, port: PortOption = None) -> None:
    """Seed the demo neighbourhood (idempotently) and serve the API, with the neighbourhood
    alive: things report and people ask while it runs (BUURT_DEMO_LIFE_SECONDS)."""
    from buurt.demo import seed  # the demo data is only loaded when asked for
    from buurt.demo.life import DemoLife
    from buurt.demo.sunny_noon import DemoThingLink

    settings = settings_with(db, host=host, port=port)
    _check_port(settings.host, settings.port)
    link = DemoThingLink()  # the demo's things take their commands in process
    instance = build(settings, local_link=link)
    try:
        summary = seed(instance.services)
    except BaseException:
        instance.close()
        raise
    console.print(summary.render(settings))
    life = DemoLife(instance.services, settings.demo_life_seconds, link)
    _run(replace(instance, background=(*instance.background, life)))
