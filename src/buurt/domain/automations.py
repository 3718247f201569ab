"""Automations: a member's subscription whose action is a command to one of their own things.

"When a neighbour's solar surplus of at least 2 kW is published within 500 m, start my EV
charger for an hour": the subscription says *when* (and goes through the matcher like any
other, so a neighbour's data reaches it only under the neighbour's grant, and every match is a
moment counted against the member's caps); the automation says *what then*: ``command`` with
``args`` to ``thing_id``. One automation per subscription. A paused automation sends nothing
(its subscription still makes moments); it remembers the moment it last fired on, and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from buurt.domain.changes import Changeable
from buurt.domain.errors import InvalidInput

COMMAND = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass
class Automation(Changeable):
    id: str
    member_id: str
    circle_id: str
    subscription_id: str
    thing_id: str
    command: str
    created_at: datetime
    updated_at: datetime
    args: dict[str, Any] = field(default_factory=dict)
    fired_count: int = 0
    last_fired_at: datetime | None = None
    paused: bool = False
    last_moment_id: str | None = None
    last_reason: str | None = None

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"command", "args", "paused"})

    def __post_init__(self) -> None:
        if not COMMAND.match(self.command):
            raise InvalidInput("a command is a lower-case word (start_charging)", "command")

    def change(self, changes: Any) -> None:
        if "command" in changes and not COMMAND.match(str(changes["command"])):
            raise InvalidInput("a command is a lower-case word (start_charging)", "command")
        super().change(changes)

    def fired(self, at: datetime, moment_id: str, reason: str) -> None:
        self.fired_count += 1
        self.last_fired_at = at
        self.last_moment_id = moment_id
        self.last_reason = reason
