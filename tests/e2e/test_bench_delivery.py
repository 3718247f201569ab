"""`buurt bench delivery` runs end to end on a small workload and reports what it promises."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from buurt.cli import app

pytestmark = pytest.mark.slow


def test_bench_delivery_reports_latencies_and_the_peer() -> None:
    result = CliRunner().invoke(app, ["bench", "delivery", "--events", "20", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["events"] == 20
    assert figures["delivered"] == 20
    for path in (figures["end_to_end"], figures["peers"]["plain_publish"]):
        assert 0 < path["p50_ms"] <= path["p99_ms"]
    assert figures["ratio_p50"] > 0
