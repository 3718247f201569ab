"""``/metrics``: Prometheus' text format, open like ``/healthz``, and counters that move."""

from __future__ import annotations

import os
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.actors import BOUNDARY, HOME, World, issue, register
from tests.conftest import _database
from tests.jetstream import NatsServer, delete_stream
from tests.servers import running_buurt

AREA = {**HOME, "radius_m": 1000}


def _samples(client: TestClient) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        sample.name
        + "".join(f"{{{k}={v}}}" for k, v in sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_count_events_in_and_moments_out(client: TestClient, world: World) -> None:
    before = _samples(client)  # no token: the scrape is open, like /healthz
    world.bob.created(
        "/v1/subscriptions",
        {"circle_id": world.circle["id"], "name": "Sun", "categories": ["energy"], "area": AREA},
    )
    # A public thing's events reach the neighbours who subscribed (as on the moments stream).
    roof = {"circle_id": world.circle["id"], "kind": "solar_inverter", "name": "Roof",
            "place": HOME, "visibility": "public"}  # fmt: skip
    inverter = issue(world.admin, "thing", world.admin.created("/v1/things", roof)["id"])
    inverter.created("/v1/events", {"kind": "energy/solar", "attributes": {"power_w": 2500},
                                    "place": HOME})  # fmt: skip
    after = _samples(client)

    assert after["buurt_events_in_total"] == before["buurt_events_in_total"] + 1
    moments = world.bob.get("/v1/moments").json()["items"]
    assert len(moments) == 1  # the setup made one moment ...
    assert after["buurt_moments_out_total"] == before["buurt_moments_out_total"] + 1  # ... counted
    assert after["buurt_domain_events_total{type=event.created}"] == 1
    # The embedded default has no outbox and no JetStream consumers to show.
    assert not any(name.startswith(("buurt_outbox", "buurt_bus_consumer")) for name in after)


def test_buurt_serve_on_nats_shows_the_outbox_and_the_lag(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer
) -> None:
    stream = f"METRICS_{os.getpid()}"
    env = {"BUURT_BUS_URL": nats_server.url, "BUURT_BUS_STREAM": stream}
    with (
        _database(request, tmp_path, "postgres") as url,
        running_buurt(url, tmp_path / "serve.log", env=env) as server,
        httpx2.Client(base_url=server.base_url) as http,
    ):
        try:
            before = _samples(http)  # type: ignore[arg-type]
            admin = register(http, "Ada")  # type: ignore[arg-type]
            admin.created("/v1/circles", {"name": "Oostpoort", "boundary": BOUNDARY})
            after = _samples(http)  # type: ignore[arg-type]
        finally:
            delete_stream(nats_server, stream)
    saved = "buurt_domain_events_total{type=circle.saved}"
    assert saved not in before
    assert after[saved] == 1  # the circle's event went through the outbox and came back
    assert after["buurt_outbox_depth"] == 0
    assert after["buurt_outbox_relayed_total"] >= 1
    assert after["buurt_bus_consumer_lag{consumer=self}"] == 0
