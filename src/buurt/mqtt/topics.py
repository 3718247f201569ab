"""The topic scheme: ``buurt/<circle id>/things/<thing id>/events`` (a thing publishes) and
``.../commands`` (a thing subscribes). The broker's ACL ties the thing id to the username.

Several gateways share the events through an MQTT 5 shared subscription,
``$share/<group>/buurt/+/things/+/events``: the broker hands each message to one member of the
group, so each is stored once however many gateways run."""

from __future__ import annotations

from collections.abc import Iterable

ROOT = "buurt"
EVENTS_FILTER = f"{ROOT}/+/things/+/events"
COMMANDS_FILTER = f"{ROOT}/+/things/+/commands"


SHARE_PREFIX = "$share"


def events_subscription(share_group: str | None = None) -> str:
    """What a gateway subscribes to: every thing's events, or its group's share of them."""
    return f"{SHARE_PREFIX}/{share_group}/{EVENTS_FILTER}" if share_group else EVENTS_FILTER


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


def acl(*gateway_users: str) -> str:
    """The broker's ACL: each thing (username = thing id) writes only its own events and reads
    only its own commands, whatever circle segment it uses; each gateway reads every thing's
    events and writes every thing's commands (a shared subscription is checked, and its
    messages delivered, against the events topics themselves)."""
    lines = [
        "# Written by Buurt; edits are overwritten on the next change of credentials.",
        f"pattern write {ROOT}/+/things/%u/events",
        f"pattern read {ROOT}/+/things/%u/commands",
        "",
    ]
    for user in dict.fromkeys(gateway_users):  # once each, in the order given
        lines += [
            f"user {user}",
            f"topic read {EVENTS_FILTER}",
            f"topic write {COMMANDS_FILTER}",
            "",
        ]
    return "\n".join(lines)


def gateway_users(acl_text: str) -> list[str]:
    """The users an ACL gives the gateway's rights (read every thing's events), in order."""
    found: list[str] = []
    user: str | None = None
    for line in _lines(acl_text):
        if line.startswith("user "):
            user = line[len("user ") :].strip()
        elif user is not None and line == f"topic read {EVENTS_FILTER}":
            found.append(user)
    return found


def _lines(text: str) -> Iterable[str]:
    return (line.strip() for line in text.splitlines())
