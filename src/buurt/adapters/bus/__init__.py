"""Buses: the in-process bus of the embedded default; NATS JetStream's in ``bus.nats``."""

from buurt.adapters.bus.memory import InProcessBus

__all__ = ["InProcessBus"]
