"""`buurt bench pages` renders every main page on the demo's data and reports what it
promises: p50/p99 and first-visit weight per page, and the targets."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from buurt.cli import app

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]
PAGES = {"home", "need_new", "consent", "things", "thing", "map", "circle", "settings", "shop",
         "demand", "shop_public", "admin"}  # fmt: skip


def test_bench_pages_reports_each_main_page() -> None:
    result = CliRunner().invoke(app, ["bench", "pages", "--requests", "5", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert set(figures["pages"]) == PAGES
    for page in figures["pages"].values():
        assert 0 < page["p50_ms"] <= page["p99_ms"]
        assert page["bytes"] > 10_000  # the page with its styles and scripts
    assert figures["pages"]["home"]["bytes"] > figures["pages"]["settings"]["bytes"]  # htmx
    assert figures["targets"] == {"p99_ms": 30.0, "bytes": 150 * 1024}
