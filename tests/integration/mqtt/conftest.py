"""A real Mosquitto for the session, and a gateway per test wired to the test's store.

The broker reads the password file and ACL Buurt generates (``BrokerFiles``) from a scratch
directory under /tmp (Mosquitto must be able to read it), and reloads them on SIGHUP.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurt.mqtt.broker_files import BrokerFiles
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import acl
from buurt.mqtt.url import BrokerUrl
from buurt.services.context import Services
from buurt.services.things.link import broker_password_hash
from tests.servers import free_port

GATEWAY_USER = "buurt-gateway"
GATEWAY_PASSWORD = "gateway secret for tests"


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[Mosquitto]:
    directory = Path(tempfile.mkdtemp(dir="/tmp", prefix="buurt-mqtt-"))
    directory.chmod(0o755)
    (directory / "passwd").write_text(f"{GATEWAY_USER}:{broker_password_hash(GATEWAY_PASSWORD)}\n")
    (directory / "acl").write_text(acl(GATEWAY_USER))
    broker = Mosquitto(directory, free_port())
    broker.start()
    yield broker
    broker.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def broker_url(mosquitto: Mosquitto) -> BrokerUrl:
    return BrokerUrl("127.0.0.1", mosquitto.port, GATEWAY_USER, GATEWAY_PASSWORD, tls=False)


@pytest.fixture
def broker_files(services: Services, mosquitto: Mosquitto) -> BrokerFiles:
    """The test's store drives the broker's files, as ``buurt serve --mqtt-config-dir`` does."""
    files = BrokerFiles(services, mosquitto.directory, GATEWAY_USER, GATEWAY_PASSWORD)
    files.write()
    files.reload()
    services.listeners.append(files.listen)
    return files


@pytest.fixture
def gateway(
    services: Services, broker_url: BrokerUrl, broker_files: BrokerFiles
) -> Iterator[Gateway]:
    # A client id per test: each test has its own store, so it gets its own session.
    running = Gateway(services, broker_url, client_id=f"gateway-{uuid.uuid4().hex[:8]}")
    running.start()
    services.thing_link = running
    yield running
    services.thing_link = None
    running.stop()
