"""The broker address the gateway uses: ``mqtt://user:password@host:port`` or ``mqtts://``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from buurt.domain.errors import InvalidInput


@dataclass(frozen=True)
class BrokerUrl:
    host: str
    port: int
    username: str
    password: str
    tls: bool

    @classmethod
    def parse(cls, text: str) -> BrokerUrl:
        parts = urlsplit(text)
        if parts.scheme not in ("mqtt", "mqtts"):
            raise InvalidInput("an MQTT URL starts with mqtt:// or mqtts://", "mqtt")
        if not parts.hostname or not parts.username or parts.password is None:
            raise InvalidInput("an MQTT URL needs user, password and host: mqtt://u:p@host", "mqtt")
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username),
            password=unquote(parts.password),
            tls=tls,
        )

    def __str__(self) -> str:
        # Never print the password.
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.username}@{self.host}:{self.port}"
