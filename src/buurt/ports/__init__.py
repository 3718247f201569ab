"""Ports: the small interfaces the core needs from the outside world.

Services depend on these Protocols only; ``adapters`` implement them (SQLAlchemy store, buses,
argon2 passwords) and ``buurt.testing`` offers in-memory fakes. Nothing here does I/O.
"""

from buurt.ports.bus import Bus, Handler
from buurt.ports.clock import Clock, SystemClock
from buurt.ports.outbox import Outbox
from buurt.ports.passwords import Passwords
from buurt.ports.store import Page, Repository, UnitOfWork, UnitOfWorkFactory

__all__ = [
    "Bus",
    "Clock",
    "Handler",
    "Outbox",
    "Page",
    "Passwords",
    "Repository",
    "SystemClock",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
