"""Ports: the small interfaces the core needs from the outside world.

Services depend on these Protocols only; ``adapters`` implement them (SQLAlchemy store, buses)
and ``buurt.testing`` offers in-memory fakes. Nothing here does I/O.
"""

from buurt.ports.clock import Clock, SystemClock
from buurt.ports.store import Page, Repository, UnitOfWork, UnitOfWorkFactory

__all__ = ["Clock", "Page", "Repository", "SystemClock", "UnitOfWork", "UnitOfWorkFactory"]
