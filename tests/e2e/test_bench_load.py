"""`buurt bench load` carries every event it publishes, over HTTP and MQTT, to its reader's
moments stream, on the embedded default and on PostgreSQL + NATS JetStream with 1 and 2 engine
workers; short runs check the figures' shape, never their speed (the README records a full
run)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from buurt.cli import app
from tests.conftest import PG_MIGRATED_TEMPLATE
from tests.jetstream import NatsServer
from tests.servers import PostgresServer

pytestmark = pytest.mark.slow
TINY = ["bench", "load", "--events", "40", "--circles", "2", "--no-baselines", "--json"]


def _assert_all_delivered(row: dict[str, Any], events: int) -> None:
    assert row["published"] == events
    assert row["delivered"] == events
    assert row["events_per_s"] > 0
    assert 0 < row["p50_ms"] <= row["p99_ms"]
    assert row["events_per_cpu_s"] > 0
    # The paced run after the flood: a quarter over MQTT (Mosquitto is installed where the
    # suite runs), the rest over HTTP, every one delivered too.
    paced = row["paced"]
    assert paced["delivered"] == paced["published"] > 0
    assert row["mqtt"]["published"] > 0
    assert row["http"]["published"] + row["mqtt"]["published"] == paced["published"]
    for way in ("http", "mqtt"):
        assert row[way]["delivered"] == row[way]["published"]
    assert 0 < row["flood_p50_ms"] <= row["flood_p99_ms"]


def test_without_postgresql_only_the_embedded_default_runs() -> None:
    result = CliRunner().invoke(app, TINY)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    _assert_all_delivered(figures["embedded"], figures["events"])
    assert "distributed" not in figures
    assert "--postgresql" in figures["skipped"]


def test_one_and_two_workers_deliver_every_event(
    postgres_server: PostgresServer, nats_server: NatsServer
) -> None:
    name = postgres_server.create_database(PG_MIGRATED_TEMPLATE)
    try:
        args = [*TINY, "--postgresql", postgres_server.url(name), "--nats", nats_server.url]
        result = CliRunner().invoke(app, args)
    finally:
        postgres_server.drop_database(name)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["events"] == 40
    _assert_all_delivered(figures["embedded"], 40)
    assert set(figures["distributed"]) == {"workers_1", "workers_2"}
    for workers, row in ((1, figures["distributed"]["workers_1"]),
                         (2, figures["distributed"]["workers_2"])):  # fmt: skip
        _assert_all_delivered(row, 40)
        counted = [p for n, p in row["processes"].items() if n.startswith("worker_")]
        assert len(counted) == workers
        # The circles are chosen so that the workers share the events evenly.
        assert [p["events"] for p in counted] == [40 // workers] * workers
    marks = figures["targets"]
    for key in ("throughput_2_over_1_worker", "per_worker_events_per_cpu_s_2_over_1"):
        assert set(marks[key]) == {"ratio", "target", "pass"}
