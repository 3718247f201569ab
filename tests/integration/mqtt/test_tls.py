"""``mqtts://``: the gateway and a thing talk to a Mosquitto TLS listener."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurt.bootstrap import Buurt
from buurt.mqtt.mosquitto import Mosquitto, TlsFiles
from buurt.mqtt.topics import acl, events_topic
from buurt.services.things.link import broker_password_hash
from tests.actors import HOME, World
from tests.integration.mqtt.conftest import GATEWAY_PASSWORD, GATEWAY_USER
from tests.integration.mqtt.devices import Device, eventually
from tests.servers import free_port

# One broker with its own certificates for both backends' runs: on one worker, or each worker
# given one of them would make its own CA and start its own broker.
pytestmark = pytest.mark.xdist_group("mqtt-tls")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def broker() -> Iterator[Mosquitto]:
    """A broker whose certificate for 127.0.0.1 is signed by a CA made for this test."""
    root = Path(tempfile.mkdtemp(dir="/tmp", prefix="buurt-mqtts-"))
    root.chmod(0o755)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
             "-out", "ca.crt", "-days", "1", "-subj", "/CN=Buurt test CA", cwd=root)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=root)  # fmt: skip
    (root / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "san.ext",
             cwd=root)  # fmt: skip
    (root / "passwd").write_text(f"{GATEWAY_USER}:{broker_password_hash(GATEWAY_PASSWORD)}\n")
    (root / "acl").write_text(acl(GATEWAY_USER))
    tls = TlsFiles(root / "ca.crt", root / "server.crt", root / "server.key")
    broker = Mosquitto(root, free_port(), tls=tls)
    broker.start()
    yield broker
    broker.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_events_flow_over_tls(world: World, instance: Buurt, broker: Mosquitto) -> None:
    tls_broker = broker
    assert tls_broker.tls is not None
    assert instance.settings.mqtt_url is not None
    assert instance.settings.mqtt_url.startswith("mqtts://")
    instance.start_mqtt()
    gateway = instance.gateway
    assert gateway is not None
    try:
        body = {
            "circle_id": world.circle["id"],
            "kind": "air_quality",
            "name": "Air",
            "place": HOME,
        }
        thing = world.ann.created("/v1/things", body)
        secret = world.ann.created(f"/v1/things/{thing['id']}/mqtt-credentials", None)["password"]

        def connected() -> Device | None:
            device = Device(tls_broker.port, thing["id"], secret, ca_file=str(tls_broker.tls.ca))
            if device.accepted:
                return device
            device.close()
            return None

        device: Device = eventually(connected)
        reading = {"attributes": {"pm25": 9.5, "no2": 21}}
        device.publish(events_topic(world.circle["id"], thing["id"]), json.dumps(reading))
        listed = lambda: world.ann.get("/v1/events", params={"source_id": thing["id"]}).json()  # noqa: E731
        (event,) = eventually(lambda: listed()["items"])
        assert event["attributes"] == {"pm25": 9.5, "no2": 21}
        device.close()
    finally:
        gateway.stop()
