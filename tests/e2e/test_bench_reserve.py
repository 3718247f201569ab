"""`buurt bench reserve` runs on both stores and never oversells while it measures."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from buurt.cli import app
from tests.conftest import PG_EMPTY_TEMPLATE
from tests.servers import PostgresServer

pytestmark = pytest.mark.slow


def test_bench_reserve_reports_both_stores(postgres_server: PostgresServer) -> None:
    url = postgres_server.url(postgres_server.create_database(PG_EMPTY_TEMPLATE))
    args = ["bench", "reserve", "--units", "20", "--attempts", "60", "--threads", "6"]
    result = CliRunner().invoke(app, [*args, "--postgresql", url, "--json"])
    assert result.exit_code == 0, result.output
    stores = json.loads(result.stdout)["stores"]
    assert set(stores) == {"sqlite", "postgresql"}
    for figures in stores.values():
        assert (figures["made"], figures["refused"], figures["oversold"]) == (20, 40, False)
        assert figures["attempts_per_s"] > 0
        assert 0 < figures["p50_ms"] <= figures["p99_ms"]
