"""A real Mosquitto for the session, and per test an instance whose gateway uses it.

The broker reads the password file and ACL Buurt generates (``BrokerFiles``) from a scratch
directory under /tmp (Mosquitto must be able to read it), and reloads them on SIGHUP. It ties
client ids to logins, so the gateway's session is named after its username: each test's
gateway has a username of its own, and with it a session of its own.
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
from tests.integration.mqtt.devices import Device, eventually
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


def new_gateway_user() -> str:
    return f"gateway-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def gateway_user(broker: Mosquitto) -> str:
    """The test's gateway login (each test has its own store, so it gets its own session),
    already known to a running broker: the gateway's first connection then never races the
    broker's reload of the password file."""
    user = new_gateway_user()
    if broker.process is not None:
        admit(broker, user, GATEWAY_PASSWORD)
    return user


def admit(broker: Mosquitto, user: str, password: str) -> None:
    """Add ``user`` to the running broker's password file and wait until it takes the login
    (probing with a clean session is harmless: nobody has used the login yet)."""
    with (broker.directory / "passwd").open("a") as passwd:
        passwd.write(f"{user}:{broker_password_hash(password)}\n")
    ca_file = str(broker.tls.ca) if broker.tls else None

    def admitted() -> bool:
        # Each try signals again: Mosquitto forgets a SIGHUP that comes while it reloads (an
        # earlier test's instance may have just asked for one).
        broker.reload()
        try:
            device = Device(broker.port, user, password, ca_file=ca_file)
        except ConnectionRefusedError:
            return False  # a broker that has just started is not listening yet
        accepted = device.accepted
        device.close()
        return accepted

    eventually(admitted)


@pytest.fixture
def broker_url(broker: Mosquitto, gateway_user: str) -> BrokerUrl:
    return BrokerUrl("127.0.0.1", broker.port, gateway_user, GATEWAY_PASSWORD, tls=False)


def mqtt_settings(broker: Mosquitto, gateway_user: str) -> dict[str, Any]:
    """The instance's MQTT settings for ``broker``, as ``buurt serve --mqtt ...`` takes them:
    Buurt writes the broker's files, with ``gateway_user``'s login."""
    scheme = "mqtts" if broker.tls else "mqtt"
    login = f"{gateway_user}:{quote(GATEWAY_PASSWORD)}"
    return {
        "mqtt_url": f"{scheme}://{login}@127.0.0.1:{broker.port}",
        "mqtt_config_dir": broker.directory,
        "mqtt_ca_file": str(broker.tls.ca) if broker.tls else None,
    }


@pytest.fixture
def instance(database_url: str, broker: Mosquitto, gateway_user: str) -> Iterator[Buurt]:
    """An instance with the broker's files and a gateway (``gateway`` connects it)."""
    built = build(settings_for(database_url, **mqtt_settings(broker, gateway_user)))
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
