"""The port to connected things: sending a command to one thing (over MQTT in practice)."""

from __future__ import annotations

from typing import Protocol

from buurt.domain.errors import ThingLinkDown


class ThingLink(Protocol):
    def send_command(self, circle_id: str, thing_id: str, payload: bytes) -> str:
        """Deliver ``payload`` to that thing's command channel, at least once (MQTT QoS 1);
        return where it went (the topic). Raise ``ThingLinkDown`` when it cannot be handed
        to the broker now."""
        ...


class NoThingLink:
    """The link of an instance without a broker: every command is refused as unavailable."""

    def send_command(self, circle_id: str, thing_id: str, payload: bytes) -> str:
        raise ThingLinkDown("no MQTT broker is configured (start with `buurt serve --mqtt`)")
