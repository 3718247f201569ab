"""`buurt bench stock` runs end to end on a small city, beside SQLite R*Tree and PostGIS, and
its answers agree with theirs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from buurt.cli import app
from tests.conftest import PG_EMPTY_TEMPLATE
from tests.servers import PostgresServer

pytestmark = pytest.mark.slow
SMALL = ["--rows", "3000", "--sites", "150", "--queries", "60", "--json"]


def test_bench_stock_reports_buurt_and_its_peers(postgres_server: PostgresServer) -> None:
    database = postgres_server.create_database(PG_EMPTY_TEMPLATE)
    url = postgres_server.url(database)
    result = CliRunner().invoke(app, ["bench", "stock", *SMALL, "--postgis", url])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["rows"] == 3000
    assert figures["found_per_query"] > 1  # the control: queries find sites to agree on
    assert 0 < figures["buurt"]["p50_us"] <= figures["buurt"]["p99_us"]
    assert figures["buurt"]["queries_per_s"] > 0
    assert set(figures["peers"]) == {"sqlite_rtree", "postgis"}
    for peer in figures["peers"].values():
        assert peer["agrees"] is True, peer
        assert peer["queries_per_s"] > 0
        assert peer["ratio"] > 0


def test_bench_stock_without_postgis_runs_the_sqlite_peer() -> None:
    result = CliRunner().invoke(app, ["bench", "stock", *SMALL])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["peers"]) == {"sqlite_rtree"}
