"""What every use case needs from outside: a unit of work, a clock and the after-commit hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buurt.ports import Clock, UnitOfWork, UnitOfWorkFactory

Listener = Callable[[str, Any], None]


@dataclass
class Services:
    """The wired dependencies of the use cases; built by ``buurt.bootstrap``."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    listeners: list[Listener] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        return self.uow_factory()

    def announce(self, topic: str, payload: Any) -> None:
        """Tell listeners (the engine, streams) about a change, after it has been committed."""
        for listener in self.listeners:
            listener(topic, payload)
