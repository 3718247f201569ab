"""What a process shows Prometheus at ``/metrics``: events in, moments out, the outbox, the lag.

Counters are fed by a handler of every domain event on the instance's bus (``heard``): on the
embedded default that is this process's own work; on the NATS bus every process hears the whole
stream, so the counters tell the deployment's totals as this process has heard them (read one
process, or the maximum, not the sum). The outbox and the consumers' lag are read when scraped:

- ``buurt_outbox_depth``: rows waiting for the relay (a SQL ``count``);
- ``buurt_outbox_relayed_total`` / ``buurt_outbox_failures_total``: this process's relay;
- ``buurt_bus_consumer_lag{consumer}``: messages a consumer has yet to be handed, this
  process's own consumer as ``self`` and every durable consumer of the stream by name;
- ``buurt_live_subjects``: the parties' moment subjects this process follows for its live
  streams (NATS bus);
- ``buurt_mqtt_stored_total`` / ``buurt_mqtt_rejected_total``: messages this process's MQTT
  gateway stored as events, or kept as dead letters (its own share, with a share group);
- ``buurt_shard_lease_held{shard}``: 1 for each shard an engine worker wants and holds the
  lease of now (it fetches the shard), 0 for one it waits for.

Each instance has a registry of its own (never prometheus_client's global one), so tests and
tools can build several in one process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from buurt.domain.events import DomainEvent, EventPublished, MomentCreated

if TYPE_CHECKING:
    from buurt.adapters.bus.nats import NatsBus
    from buurt.adapters.bus.parties import PartyFeed
    from buurt.adapters.bus.relay import OutboxRelay

log = logging.getLogger("buurt.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class GatewayCounts(Protocol):
    """What the MQTT gateway counts (its ``GatewayStats``)."""

    @property
    def stored(self) -> int: ...

    @property
    def rejected(self) -> int: ...


class LeaseStates(Protocol):
    """What an engine worker's leases say (its ``ShardLeases``)."""

    def states(self) -> dict[int, bool]: ...


class Metrics:
    """The counters of one instance and what is read at a scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.events_in = Counter(
            "buurt_events_in",
            "Events stored (over HTTP or MQTT) and handed to the matcher.",
            registry=self.registry,
        )
        self.moments_out = Counter(
            "buurt_moments_out", "Moments made and delivered.", registry=self.registry
        )
        self.domain_events = Counter(
            "buurt_domain_events",
            "Domain events heard on the bus, by type.",
            ["type"],
            registry=self.registry,
        )
        self._by_type: dict[type[DomainEvent], Counter] = {}

    def heard(self, event: DomainEvent) -> None:
        """The bus handler: count an event (a dict look-up and one or two increments)."""
        kind = type(event)
        child = self._by_type.get(kind)
        if child is None:
            child = self._by_type.setdefault(kind, self.domain_events.labels(event.name))
        child.inc()
        if kind is EventPublished:
            self.events_in.inc()
        elif kind is MomentCreated:
            self.moments_out.inc()

    def watch(
        self,
        relay: OutboxRelay | None,
        bus: NatsBus | None,
        *,
        live: PartyFeed | None = None,
        gateway: GatewayCounts | None = None,
    ) -> None:
        """Read the outbox, the consumers, the followed subjects and the gateway's counts at
        every scrape (those the instance has)."""
        if relay is not None or bus is not None:
            self.registry.register(_Scraped(relay, bus, live))
        if gateway is not None:
            self.registry.register(_Gateway(gateway))

    def watch_leases(self, leases: LeaseStates) -> None:
        """Read an engine worker's shard leases at every scrape."""
        self.registry.register(_Leases(leases))

    def render(self) -> bytes:
        """The Prometheus text exposition of everything above."""
        return generate_latest(self.registry)


class _Gateway(Collector):
    def __init__(self, counts: GatewayCounts) -> None:
        self.counts = counts

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "buurt_mqtt_stored",
            "MQTT messages this process's gateway stored as events.",
            value=self.counts.stored,
        )
        yield CounterMetricFamily(
            "buurt_mqtt_rejected",
            "MQTT messages this process's gateway kept as dead letters.",
            value=self.counts.rejected,
        )


class _Leases(Collector):
    def __init__(self, leases: LeaseStates) -> None:
        self.leases = leases

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        held = GaugeMetricFamily(
            "buurt_shard_lease_held",
            "Whether this worker holds the lease of a shard it wants (1) or waits for it (0).",
            labels=["shard"],
        )
        for shard, holds in sorted(self.leases.states().items()):
            held.add_metric([str(shard)], 1 if holds else 0)
        yield held


class _Scraped(Collector):
    def __init__(
        self, relay: OutboxRelay | None, bus: NatsBus | None, live: PartyFeed | None
    ) -> None:
        self.relay, self.bus, self.live = relay, bus, live

    def describe(self) -> list[Metric]:
        return []  # read at each scrape: nothing to describe ahead of it

    def collect(self) -> Iterator[Metric]:
        if self.relay is not None:
            depth = GaugeMetricFamily("buurt_outbox_depth", "Outbox rows waiting for the relay.")
            try:
                depth.add_metric([], self.relay.outbox.depth())
            except Exception:  # a scrape must not fail because the store is away
                log.warning("the outbox depth could not be read", exc_info=True)
            else:
                yield depth
            yield CounterMetricFamily(
                "buurt_outbox_relayed",
                "Messages this process's relay stored on the stream (repeats included).",
                value=self.relay.relayed,
            )
            yield CounterMetricFamily(
                "buurt_outbox_failures",
                "Relay attempts JetStream did not take (each one backs off).",
                value=self.relay.failures,
            )
        if self.live is not None:
            yield GaugeMetricFamily(
                "buurt_live_subjects",
                "Parties' moment subjects this process follows for its live streams.",
                value=self.live.subjects,
            )
        if self.bus is not None and self.bus.connected:
            lag = GaugeMetricFamily(
                "buurt_bus_consumer_lag",
                "Stream messages a consumer has yet to be handed.",
                labels=["consumer"],
            )
            try:
                for consumer, pending in sorted(self.bus.consumer_lag().items()):
                    lag.add_metric([consumer], pending)
            except Exception:  # JetStream away: no lag figure, the rest of the scrape stands
                log.warning("the consumers' lag could not be read", exc_info=True)
            else:
                yield lag
