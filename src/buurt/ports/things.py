"""The port to connected things: sending a command to one thing (over MQTT in practice)."""

from __future__ import annotations

from typing import Protocol


class ThingLinkDown(Exception):
    """The link to things (the MQTT broker) is not configured or not reachable now."""


class ThingLink(Protocol):
    def send_command(self, circle_id: str, thing_id: str, payload: bytes) -> str:
        """Deliver ``payload`` to that thing's command channel, at least once (MQTT QoS 1);
        return where it went (the topic). Raise ``ThingLinkDown`` when it cannot be handed
        to the broker now."""
        ...
