"""The engine benchmark: build, match, match through the relevance gate, change while
matching, memory; then the peers on samples of the same events.

Timing is per event on one thread, by the wall clock (``perf_counter_ns``) or, on a shared
machine where other processes take turns on the cores, by this thread's CPU time
(``thread_time_ns``). Publications are built before the clock starts (decoding a message is
not matching); building the standings is part of the build, which is always wall time.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from buurt.bench.peers import (
    Clock,
    PeerResult,
    postgis_peer,
    shapely_strtree_peer,
    sqlite_rtree_peer,
)
from buurt.bench.workload import TIMEZONE, Workload, generate
from buurt.engine import MatchIndex, Publication, RelevanceGate
from buurt.engine.postings import to_microseconds

Step = Callable[[str, int], Any]  # (description, total) -> a context manager yielding advance()


@dataclass
class MomentLog:
    """Where admitted moments are recorded: columns that grow, like an outbox batch."""

    size: int = 0
    columns: dict[str, npt.NDArray[np.int64]] = field(
        default_factory=lambda: {
            n: np.empty(1 << 16, np.int64) for n in ("publication", "key", "recipient", "at_us")
        }
    )

    def record(self, publication: int, at_us: int, keys: npt.NDArray[np.int64],
               recipients: npt.NDArray[np.int64]) -> None:  # fmt: skip
        end = self.size + keys.shape[0]
        if end > self.columns["key"].shape[0]:
            for name, old in self.columns.items():
                self.columns[name] = np.concatenate([old, np.empty_like(old)])
        self.columns["publication"][self.size : end] = publication
        self.columns["at_us"][self.size : end] = at_us
        self.columns["key"][self.size : end] = keys
        self.columns["recipient"][self.size : end] = recipients
        self.size = end


def _summary(latencies_ns: list[int], elapsed_s: float) -> dict[str, float]:
    lat = np.array(latencies_ns, dtype=np.float64) / 1000.0
    return {
        "events_per_s": round(len(latencies_ns) / elapsed_s, 1),
        "p50_us": round(float(np.percentile(lat, 50)), 1),
        "p99_us": round(float(np.percentile(lat, 99)), 1),
    }


@contextmanager
def _no_step(description: str, total: int) -> Iterator[Callable[[int], None]]:
    yield lambda advance: None


def run(
    subscriptions: int,
    events: int,
    seed: int = 42,
    postgis: str | None = None,
    step: Step = _no_step,
    peer_budget_s: float = 20.0,
    cpu_clock: bool = False,
) -> dict[str, Any]:
    """Run the whole benchmark and return the figures (the ``--json`` object)."""
    with step("Generating the city", 1) as advance:
        w = generate(subscriptions, events, seed)
        publications = [w.publication(j) for j in range(events)]
        advance(1)
    with step(f"Building the index of {subscriptions:,} subscriptions", 1) as advance:
        index = MatchIndex(timezone=TIMEZONE)
        start = time.perf_counter()
        index.extend(w.standings())
        build_s = time.perf_counter() - start
        # A long-lived index should not be rescanned by the cyclic collector.
        gc.collect()
        gc.freeze()
        advance(1)

    clock = time.thread_time_ns if cpu_clock else time.perf_counter_ns
    matching, results = _matching(index, publications, step, clock)
    end_to_end = _end_to_end(index, w, publications, step, clock)
    changes = _changes(index, w, publications, step, clock)
    with step("Measuring memory", 1) as advance:
        bytes_per = index.memory_bytes() / max(1, subscriptions)
        advance(1)

    engine_rate = matching["events_per_s"]
    sample = list(range(min(events, 5000)))
    runs: list[tuple[str, Callable[[], PeerResult]]] = [
        ("sqlite_rtree", lambda: sqlite_rtree_peer(w, sample, peer_budget_s, clock)),
        ("shapely_strtree", lambda: shapely_strtree_peer(w, sample, peer_budget_s, clock)),
    ]
    if postgis:
        url = postgis
        runs.append(("postgis", lambda: postgis_peer(url, w, sample, peer_budget_s)))
    peers: dict[str, dict[str, Any]] = {}
    for name, peer_run in runs:
        with step(f"Peer {name}", 1) as advance:
            result = peer_run()
            advance(1)
        agrees = all(results[j] == keys for j, keys in result.answers.items())
        peers[name] = {
            "events_per_s": round(result.events_per_s, 1),
            "ratio": round(engine_rate / result.events_per_s, 1),
            "agrees": agrees,
            "events": result.events,
        }
    return {
        "subscriptions": subscriptions,
        "events": events,
        "matches_per_event": round(sum(len(r) for r in results) / max(1, events), 2),
        "engine": {
            "end_to_end": end_to_end,
            "matching": matching,
            "bytes_per_subscription": round(bytes_per, 1),
            "changes_per_s": changes,
            "build_s": round(build_s, 2),
        },
        "peers": peers,
    }


def _matching(
    index: MatchIndex, publications: list[Publication], step: Step, clock: Clock
) -> tuple[dict[str, float], list[list[int]]]:
    results: list[list[int]] = []
    latencies: list[int] = []
    with step("Matching", len(publications)) as advance:
        for p in publications[:1000]:  # warm the per-category caches
            index.match(p)
        begin = clock()
        for p in publications:
            t = clock()
            keys = index.match(p)
            latencies.append(clock() - t)
            results.append(keys.tolist())
        elapsed = (clock() - begin) / 1e9
        advance(len(publications))
    return _summary(latencies, elapsed), results


def _end_to_end(
    index: MatchIndex, w: Workload, publications: list[Publication], step: Step, clock: Clock
) -> dict[str, float]:
    """Match, keep the pairs with consent (the caller's step, as in the services: the gate
    takes only those), pass them through the relevance gate and record the moments."""
    gate = RelevanceGate(timezone=TIMEZONE, default_cap=10)
    log = MomentLog()
    member, consent = w.sub_member, w.consent
    latencies: list[int] = []
    with step("Matching through the relevance gate", len(publications)) as advance:
        begin = clock()
        for j, p in enumerate(publications):
            t = clock()
            keys = index.match(p)
            recipients = member[keys]
            allowed = consent[recipients].nonzero()[0]
            keys, recipients = keys.take(allowed), recipients.take(allowed)
            admitted = gate.admit(j, p.at, keys, recipients)
            log.record(j, to_microseconds(p.at), keys[admitted], recipients[admitted])
            latencies.append(clock() - t)
        elapsed = (clock() - begin) / 1e9
        advance(len(publications))
    return _summary(latencies, elapsed)


def _changes(
    index: MatchIndex, w: Workload, publications: list[Publication], step: Step, clock: Clock
) -> float:
    """Adds of new subscriptions and removes of existing ones, interleaved with matching."""
    n_changes = min(20_000, max(100, w.subscriptions // 10))
    fresh = generate(n_changes, 1, w.seed + 1)
    rng = np.random.default_rng(w.seed)
    doomed = rng.choice(w.subscriptions, size=n_changes // 2, replace=False).tolist()
    spent = 0
    with step("Changing while matching", n_changes) as advance:
        for i in range(n_changes):
            standing = fresh.standing(i)
            new = type(standing)(w.subscriptions + i, standing.area, standing.categories,
                                 standing.predicates, standing.weekly)  # fmt: skip
            t = clock()
            if i % 2 == 0:
                index.add(new)
            else:
                index.remove(doomed[i // 2])
            spent += clock() - t
            index.match(publications[i % len(publications)])
            if i % 1000 == 999:
                advance(1000)
    return round(n_changes / (spent / 1e9), 1)
