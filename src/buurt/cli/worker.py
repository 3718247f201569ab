"""``buurt worker``: an engine worker that matches the publications of the shards it owns."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

from buurt.cli.errors import ExitCode, OperatorError, option_of
from buurt.cli.options import DatabaseOption, settings_with

console = Console(stderr=True, highlight=False)
ShardsOption = Annotated[
    str,
    typer.Option(
        "--shards",
        metavar="LIST",
        help="The shards this worker takes: numbers and ranges (0-3,6), or all. It follows "
        "each one while it holds the shard's lease, and waits for those another worker holds.",
    ),
]
OfOption = Annotated[
    int | None,
    typer.Option(
        "--of",
        help="How many shards there are (default: BUURT_SHARDS); the same in every process.",
    ),
]
MetricsPortOption = Annotated[
    int | None,
    typer.Option(
        "--metrics-port", help="Serve /metrics (the consumers' lag, the leases) on this port."
    ),
]


def worker(
    shards: ShardsOption,
    of: OfOption = None,
    db: DatabaseOption = None,
    metrics_port: MetricsPortOption = None,
) -> None:
    """Match the publications of the shards this worker owns (BUURT_MATCHING=workers), until
    SIGTERM or Ctrl-C; a shard is followed only under its lease, and its consumers keep their
    place for the next worker."""
    from buurt.adapters.bus.nats import BusUnavailable
    from buurt.adapters.bus.shards import parse_shards
    from buurt.bootstrap import build
    from buurt.bootstrap.worker import EngineWorker

    settings = settings_with(db, shards=of)
    if settings.matching != "workers":
        raise OperatorError(
            ExitCode.SETTING,
            option_of("matching"),
            "a worker matches only where workers match: set BUURT_MATCHING=workers "
            "(and BUURT_BUS_URL) here and in every `buurt serve` of the deployment",
        )
    try:
        owned = parse_shards(shards, settings.shards)
    except ValueError as error:
        raise OperatorError(ExitCode.SETTING, "--shards", str(error)) from None
    _logging(settings.log_level)
    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    try:
        instance = build(settings)
    except BusUnavailable as error:
        raise OperatorError(ExitCode.BUS_UNREACHABLE, option_of("bus_url"), str(error)) from None
    try:
        engine = EngineWorker(instance)
        engine.start()
        if metrics_port is not None:
            from prometheus_client import start_http_server

            start_http_server(metrics_port, settings.host, registry=instance.metrics.registry)
        engine.take(owned)
        logging.getLogger("buurt.worker").info(
            "matching shards %s of %d on stream %s",
            shards,
            settings.shards,
            settings.bus_stream,
        )
        stop.wait()
        logging.getLogger("buurt.worker").info("stopping: finishing the messages in hand")
        engine.stop()
    finally:
        instance.close()


def _logging(level: str) -> None:
    handler: logging.Handler = (
        RichHandler(console=console, show_path=False)
        if sys.stderr.isatty()
        else logging.StreamHandler()
    )
    if not sys.stderr.isatty():
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for quiet in ("nats", "alembic"):  # their INFO lines say nothing an operator acts on
        logging.getLogger(quiet).setLevel(logging.WARNING)
