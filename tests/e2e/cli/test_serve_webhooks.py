"""``buurt serve`` runs the webhook worker: a delivery left pending by an earlier process is
sent by the server once it starts, to a real receiver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from buurt.bench.processes import wait_for
from buurt.bootstrap import Buurt
from buurt.domain.webhooks import DeliveryStatus, WebhookDelivery
from tests.actors import World
from tests.integration.webhook_world import register, store_moment, webhook_instance
from tests.receivers import Receiver
from tests.servers import free_port

pytestmark = webhook_instance


def test_the_server_sends_what_was_pending_when_it_starts(
    instance: Buurt, world: World, database_url: str, tmp_path: Path
) -> None:
    with Receiver() as receiver:
        register(world.bakery_actor, receiver.url)
        moment = store_moment(
            instance.services,
            world.circle["id"],
            "business",
            world.bakery["id"],
            in_transaction=True,
        )
        assert receiver.received == []  # nothing sends in this process: no worker runs here

        port = free_port()
        env = {
            **os.environ,
            "BUURT_PASSWORD_PROFILE": "CHEAPEST",
            "BUURT_WEBHOOKS_ALLOW_PRIVATE": "true",
        }
        command = [sys.executable, "-m", "buurt", "serve", "--db", database_url]
        with (tmp_path / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                wait_for(f"http://127.0.0.1:{port}", server)
                deadline = time.monotonic() + 30
                while _status(instance) is not DeliveryStatus.DELIVERED:
                    assert time.monotonic() < deadline, "the server did not record the delivery"
                    time.sleep(0.05)
            finally:
                server.terminate()
                server.wait(timeout=10)
    [got] = receiver.received
    assert moment.id.encode() in got.body
    assert got.headers["Buurt-Topic"] == "moment.created"


def _status(instance: Buurt) -> DeliveryStatus:
    with instance.services.uow() as uow:
        [delivery] = uow.repo(WebhookDelivery).find()
        return delivery.status
