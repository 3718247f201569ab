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
    def parse(cls, text: str, *, login: bool = True) -> BrokerUrl:
        """Read an MQTT URL; ``login=False`` when the user and password are not needed."""
        parts = urlsplit(text)
        if parts.scheme not in ("mqtt", "mqtts"):
            raise InvalidInput("an MQTT URL starts with mqtt:// or mqtts://", "mqtt")
        if not parts.hostname:
            raise InvalidInput("an MQTT URL needs a host: mqtt://user:password@host", "mqtt")
        if login and (not parts.username or parts.password is None):
            raise InvalidInput("an MQTT URL needs user and password: mqtt://u:p@host", "mqtt")
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:  # not a number, or above 65535
            raise InvalidInput("an MQTT URL's port is a number from 1 to 65535", "mqtt") from None
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            tls=tls,
        )

    def __str__(self) -> str:
        # Never print the password.
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.username}@{self.host}:{self.port}"
