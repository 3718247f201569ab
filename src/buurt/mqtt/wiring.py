"""Starting the MQTT side of an instance from its settings: broker files and the gateway."""

from __future__ import annotations

import logging

from buurt.config import Settings
from buurt.mqtt.broker_files import BrokerFiles
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.url import BrokerUrl
from buurt.services.context import Services

log = logging.getLogger("buurt.mqtt")


def start_mqtt(services: Services, settings: Settings) -> Gateway | None:
    """With ``mqtt_url`` set: write the broker's files (when ``mqtt_config_dir`` is set) and
    reload it, start the gateway and make it the services' link to things. ``None`` without."""
    if not settings.mqtt_url:
        return None
    url = BrokerUrl.parse(settings.mqtt_url)
    if settings.mqtt_config_dir is not None:
        files = BrokerFiles(services, settings.mqtt_config_dir, url.username, url.password)
        files.write()
        files.reload()
        services.listeners.append(files.listen)
    gateway = Gateway(
        services, url, client_id=settings.mqtt_client_id, ca_file=settings.mqtt_ca_file
    )
    gateway.start()
    services.thing_link = gateway
    log.info("MQTT gateway subscribed at %s", url)
    return gateway
