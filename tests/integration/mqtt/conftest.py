"""A real Mosquitto for the session, and per test an instance whose gateway uses it.

The broker reads the password file and ACL Buurt generates (``BrokerFiles``) from a scratch
directory under /tmp (Mosquitto must be able to read it), and reloads them on SIGHUP.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from buurt.bootstrap import Buurt, build
from buurt.mqtt.broker_files import BrokerFiles
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import acl
from buurt.mqtt.url import BrokerUrl
from buurt.services.things.link import broker_password_hash
from tests.instances import settings_for
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
def broker(mosquitto: Mosquitto) -> Mosquitto:
    """The broker the test's instance uses; a module with a broker of its own overrides it."""
    return mosquitto


@pytest.fixture
def broker_url(broker: Mosquitto) -> BrokerUrl:
    return BrokerUrl("127.0.0.1", broker.port, GATEWAY_USER, GATEWAY_PASSWORD, tls=False)


def mqtt_settings(broker: Mosquitto) -> dict[str, Any]:
    """The instance's MQTT settings for ``broker``, as ``buurt serve --mqtt ...`` takes them:
    Buurt writes the broker's files, and a client id per test (each test has its own store,
    so it gets its own session)."""
    scheme = "mqtts" if broker.tls else "mqtt"
    login = f"{GATEWAY_USER}:{quote(GATEWAY_PASSWORD)}"
    return {
        "mqtt_url": f"{scheme}://{login}@127.0.0.1:{broker.port}",
        "mqtt_config_dir": broker.directory,
        "mqtt_client_id": f"gateway-{uuid.uuid4().hex[:8]}",
        "mqtt_ca_file": str(broker.tls.ca) if broker.tls else None,
    }


@pytest.fixture
def instance(database_url: str, broker: Mosquitto) -> Iterator[Buurt]:
    """An instance with the broker's files and a gateway (``gateway`` connects it)."""
    built = build(settings_for(database_url, **mqtt_settings(broker)))
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def broker_files(instance: Buurt) -> BrokerFiles:
    """The test's store drives the broker's files, as ``buurt serve --mqtt-config-dir`` does."""
    assert instance.broker_files is not None
    instance.broker_files.rewrite()
    return instance.broker_files


@pytest.fixture
def gateway(instance: Buurt, broker_files: BrokerFiles) -> Gateway:
    """The instance's gateway, connected (the instance stops it)."""
    instance.start_mqtt()
    assert instance.gateway is not None
    return instance.gateway
