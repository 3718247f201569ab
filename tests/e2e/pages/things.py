"""Helpers for page tests: a thing registered through the API, with its own token."""

from __future__ import annotations

from typing import Any

from tests.actors import HOME, Actor, World, issue


def register_thing(
    owner: Actor, world: World, *, visibility: str = "private", kind: str = "solar_inverter"
) -> tuple[dict[str, Any], Actor]:
    """A thing of ``owner`` in the world's circle, and the thing acting with its token."""
    body = {
        "circle_id": world.circle["id"],
        "kind": kind,
        "name": f"Zonnedak {owner.id[-4:]}",
        "place": HOME,
        "visibility": visibility,
    }
    thing = owner.created("/v1/things", body)
    return thing, issue(owner, "thing", thing["id"])


def publish(thing: Actor, **attributes: Any) -> dict[str, Any]:
    """The thing reports a reading through the HTTP API."""
    body = {"kind": "energy/solar", "attributes": attributes, "place": HOME}
    return thing.created("/v1/events", body)
