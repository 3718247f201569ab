"""``buurt bench engine`` runs small, prints the promised JSON keys, and the peers agree."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from buurt.cli.bench import app


def test_bench_engine_json_small() -> None:
    result = CliRunner().invoke(
        app, ["engine", "--subscriptions", "3000", "--events", "300", "--seed", "7", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert set(figures) == {"subscriptions", "events", "matches_per_event", "engine", "peers"}
    assert figures["subscriptions"] == 3000
    assert figures["events"] == 300
    engine = figures["engine"]
    assert set(engine) == {
        "end_to_end", "matching", "bytes_per_subscription", "changes_per_s", "build_s",
    }  # fmt: skip
    for name in ("end_to_end", "matching"):
        assert set(engine[name]) == {"events_per_s", "p50_us", "p99_us"}
        assert engine[name]["events_per_s"] > 0
    assert set(figures["peers"]) == {"sqlite_rtree", "shapely_strtree"}
    for peer in figures["peers"].values():
        assert {"events_per_s", "ratio", "agrees"} <= set(peer)
        assert peer["agrees"] is True
