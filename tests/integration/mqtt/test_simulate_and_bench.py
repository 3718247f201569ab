"""``buurt simulate`` and ``buurt bench ingest`` run end to end against real brokers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from buurt.adapters.store.tables import events, things
from buurt.bootstrap import Buurt
from buurt.cli.main import app
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto


def test_the_simulator_drives_a_fleet_through_the_gateway(
    instance: Buurt, database_url: str, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    arguments = [
        "simulate", "--things", "7", "--rate", "70", "--duration", "2", "--faulty", "0.1",
        "--mqtt", f"mqtt://127.0.0.1:{mosquitto.port}",
        "--mqtt-config-dir", str(mosquitto.directory), "--db", database_url,
    ]  # fmt: skip
    result = CliRunner().invoke(app, arguments, env={"BUURT_PASSWORD_PROFILE": "CHEAPEST"})
    assert result.exit_code == 0, result.output
    assert "acknowledged" in result.output
    with instance.database.connect() as connection:
        rows = connection.execute(
            select(things.c.kind, events.c.attributes).join(
                events, events.c.source_id == things.c.id
            )
        ).all()
    kinds = {kind for kind, _ in rows}
    assert len(kinds) == 7  # every kind of thing reported, through the broker and gateway
    assert all("glitch" not in attributes for _, attributes in rows)
    assert gateway.stats.rejected > 0  # the glitches went to the dead-letter store


@pytest.mark.slow
def test_the_ingest_bench_reports_every_path_and_the_poison_ratio() -> None:
    result = CliRunner().invoke(app, ["bench", "ingest", "--events", "300", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output[result.output.index("[") :])
    assert [row["name"].split(" ")[0] for row in rows] == ["peer:", "MQTT", "MQTT", "HTTP"]
    peer, clean, poisoned, http = rows
    assert all(row["events"] == 300 for row in (peer, clean, http))
    # One message in a hundred was poison: the other 297 were stored, and compared as a ratio.
    assert poisoned["name"] == "MQTT → stored, 1% poison"
    assert poisoned["events"] == 297
    assert poisoned["ratio_to_clean"] == round(poisoned["per_second"] / clean["per_second"], 3)
    assert clean["ratio_to_clean"] is None
