"""Buses: the in-process bus of the embedded default (NATS JetStream joins it at scale)."""

from buurt.adapters.bus.memory import InProcessBus

__all__ = ["InProcessBus"]
