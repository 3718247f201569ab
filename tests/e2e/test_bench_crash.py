"""`buurt bench crash` kills the embedded default under load and finds every acknowledged
event stored; a short run of it is the suite's check (the README records 50 rounds)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from buurt.cli import app

pytestmark = pytest.mark.slow


def test_every_event_acknowledged_before_a_sigkill_is_stored() -> None:
    result = CliRunner().invoke(app, ["bench", "crash", "--rounds", "2", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["rounds"] == 2
    assert figures["acknowledged"] > 0  # the load ran: there was something to lose
    assert figures["unanswered"] > 0  # and the kills cut requests off mid-way
    assert figures["lost"] == 0
    assert figures["stored"] >= figures["acknowledged"]
