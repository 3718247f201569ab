"""The topic scheme: ``buurt/<circle id>/things/<thing id>/events`` (a thing publishes) and
``.../commands`` (a thing subscribes). The broker's ACL ties the thing id to the username."""

from __future__ import annotations

ROOT = "buurt"
EVENTS_FILTER = f"{ROOT}/+/things/+/events"
COMMANDS_FILTER = f"{ROOT}/+/things/+/commands"


def events_topic(circle_id: str, thing_id: str) -> str:
    return f"{ROOT}/{circle_id}/things/{thing_id}/events"


def commands_topic(circle_id: str, thing_id: str) -> str:
    return f"{ROOT}/{circle_id}/things/{thing_id}/commands"


def parse_events_topic(topic: str) -> tuple[str, str] | None:
    """``(circle id, thing id)`` of an events topic, or ``None`` for any other topic."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != ROOT or parts[2] != "things" or parts[4] != "events":
        return None
    if not parts[1] or not parts[3]:
        return None
    return parts[1], parts[3]


def acl(gateway_user: str) -> str:
    """The broker's ACL: each thing (username = thing id) writes only its own events and reads
    only its own commands, whatever circle segment it uses; the gateway reads every thing's
    events and writes every thing's commands."""
    return "\n".join(
        [
            "# Written by Buurt; edits are overwritten on the next change of credentials.",
            f"pattern write {ROOT}/+/things/%u/events",
            f"pattern read {ROOT}/+/things/%u/commands",
            "",
            f"user {gateway_user}",
            f"topic read {EVENTS_FILTER}",
            f"topic write {COMMANDS_FILTER}",
            "",
        ]
    )
