"""An engine worker: an instance that matches the publications of the shards it owns.

``EngineWorker`` wraps an instance built with ``BUURT_MATCHING=workers`` (so on the NATS bus,
with its matcher in ``once`` mode). Like every process on the bus, the instance rebuilt its
indexes, consent mirror and relevance gates from the store at start and follows the
stream with its ordered consumer, which keeps them current. On top of that it owns shards
(``adapters/bus/workers.py``): for each publication of an owned shard, in the shard's order,

1. it waits until its ordered consumer has run its shards up to the publication, so the
   indexes hold every standing published before it (as the inline matcher's do);
2. it matches the publication, if it is still stored, in a unit of work of its own, and
   commits the moments with their events through the outbox (``Services.commit``);
3. only then the message is acknowledged. A publication delivered again (the worker died
   before the acknowledgement, or another worker took the shard over) finds its moments'
   delivery keys stored and writes none.

An update of a followed proposal (``ProposalUpdated``, ADR 0017) is in its circle's shard too:
the worker that owns the shard reads the proposal's followers from the store and admits their
moments in its gate, the one that counts their other moments of the circle (a proposal hidden
before the worker's turn tells nobody, as it would not have where it was updated); delivered
again, it finds their delivery keys stored and writes none. Should a commit fail (of a
publication's moments, an update's or a candidate's), the gates are counted again from the store
before the message is given back, so its next delivery is not refused as a duplicate of itself.

In a split circle (ADR 0015) step 2 stops after the consent step: the pairs go, as
candidates, to the worker that owns each recipient's shard (``adapters/bus/owners.py``), and
the publication (or update) is acknowledged once JetStream stored them all. For each shard it
owns, a worker also takes that shard's candidates (``own``): the gate, then the moment with its
delivery key, committed before the candidate is acknowledged. So a recipient's caps and
deduplication are counted by one gate, however many shards its moments come from.

A worker follows only the events of the shards it owns and those of no circle (consents,
erasures, stock), so its indexes hold only its shards' circles: taking a shard indexes its
circles afresh from the store, letting one go forgets them (ADR 0016). Where circles are split
it follows, and indexes, everything.

Taking a shard counts the relevance gates afresh from the moments stored in the last hour,
so the hourly caps and the deduplication a shard's last owner applied hold under its next.

A worker holds a shard only under the shard's lease (ADR 0018), a key with a ttl in a
JetStream key-value bucket that one worker at a time can hold: two workers given the same
shard never both fetch it, and one of them takes it when the other lets it go, stops, or
dies and its lease expires.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from buurt.adapters.bus.leases import ShardLeases
from buurt.adapters.bus.nats import NatsBus
from buurt.adapters.bus.owners import OwnerConsumers, ensure_candidate_stream, publish_candidates
from buurt.adapters.bus.shards import publication
from buurt.adapters.bus.workers import ShardConsumers, ShardStats
from buurt.bootstrap import Buurt
from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.cocreation import Proposal
from buurt.domain.community import Circle
from buurt.domain.events import DomainEvent, MomentCreated, ProposalUpdated
from buurt.domain.following import Update
from buurt.ports import UnitOfWork
from buurt.services.matching.candidates import Pair
from buurt.services.matching.handoff import Candidate, candidates, from_bytes, to_bytes

log = logging.getLogger("buurt.worker")


class EngineWorker:
    """One worker process's matching: ``take`` shards, ``let_go`` of them, ``stop``.

    ``take`` says which shards the worker wants; it holds those whose lease it gets
    (``adapters/bus/leases.py``) and waits for the others, which the leases' keeper thread
    tries at every round. A lease taken or lost later is acted on in a thread of its own
    (``_shift``), so a slow take (reading a shard's circles) never delays a renewal.
    """

    def __init__(self, instance: Buurt) -> None:
        if instance.nats_bus is None or instance.settings.matching != "workers":
            raise ValueError("an engine worker needs BUURT_MATCHING=workers and BUURT_BUS_URL")
        self.instance = instance
        self.bus: NatsBus = instance.nats_bus
        ack_wait = instance.settings.worker_ack_wait_seconds
        self.leases = ShardLeases(
            self.bus, ttl=instance.settings.worker_lease_seconds, on_change=self._changed
        )
        holds = self.leases.holds
        self.consumers = ShardConsumers(self.bus, self.match, holds=holds, ack_wait=ack_wait)
        # Candidates exist only where circles are split, and only when routing is on.
        self.routing = instance.settings.worker_owners and bool(self.bus.sharding.split)
        self.owners = OwnerConsumers(self.bus, self.own, from_bytes, holds=holds, ack_wait=ack_wait)
        self.moments = 0  # moments this worker committed
        self.handed = 0  # candidates this worker published for the recipients' owners
        self._changes: queue.Queue[tuple[list[int], list[int]] | None] = queue.Queue()
        self._changing = threading.Lock()  # one take or let-go at a time
        self._shifter: threading.Thread | None = None
        instance.metrics.watch_leases(self.leases)

    @property
    def owned(self) -> list[int]:
        """The shards this worker follows now (their leases held, or just lost)."""
        return self.consumers.owned

    @property
    def wanted(self) -> list[int]:
        """The shards this worker was told to take, held or waited for."""
        return self.leases.wanted

    def stats(self) -> dict[int, ShardStats]:
        return self.consumers.stats()

    def owner_stats(self) -> dict[int, ShardStats]:
        return self.owners.stats()

    def start(self) -> None:
        """The outbox relay's thread: moments committed here reach the stream even when the
        fast path after a commit could not send them; and the threads of the leases."""
        if self.instance.outbox is not None:
            self.instance.outbox.start_thread()
        self._start_leases()

    def take(self, shards: Iterable[int]) -> None:
        """Want ``shards``: hold at once those whose lease is free, and the others as soon as
        their lease is (``BusUnavailable`` when the leases' bucket cannot be reached)."""
        self._start_leases()
        with self._changing:
            taken = self.leases.want(shards)
            self._hold_leased(taken)

    def let_go(self, shards: Iterable[int]) -> None:
        """Stop following ``shards`` (after the message in hand), then release their leases
        for the next worker."""
        leaving = list(shards)
        with self._changing:
            self._drop(leaving)
            self.leases.release(leaving)

    def stop(self) -> None:
        if self._shifter is not None:
            self._changes.put(None)
            self._shifter.join(timeout=self.instance.settings.worker_ack_wait_seconds)
        with self._changing:
            self.consumers.stop()
            self.owners.stop()
            self.leases.stop()
        if self.instance.outbox is not None:
            self.instance.outbox.stop_thread()

    # -- leases taken and lost ---------------------------------------------------------------

    def _start_leases(self) -> None:
        if self._shifter is None:
            self._shifter = threading.Thread(target=self._shift, name="buurt-shift", daemon=True)
            self._shifter.start()
            self.leases.start()

    def _changed(self, taken: list[int], lost: list[int]) -> None:
        """The leases' keeper took or lost some: act on it in the shifting thread."""
        self._changes.put((taken, lost))

    def _shift(self) -> None:
        while (change := self._changes.get()) is not None:
            taken, lost = change
            with self._changing:
                try:
                    if lost:
                        self._drop(lost)
                        log.info("no longer matching shards %s", ",".join(map(str, lost)))
                    self._hold_leased(taken)
                except Exception:  # the store or NATS away: the leases are tried again
                    log.exception("shards %s and %s did not change hands", taken, lost)

    def _hold_leased(self, taken: list[int]) -> None:
        """Follow the shards whose leases were just taken (and are held still); when that
        fails, release them, so that another worker, or this one at the next round, takes
        them whole."""
        leased = [n for n in taken if self.leases.holds(n)]
        if not leased:
            return
        try:
            self._hold(leased)
        except Exception:
            self._drop(leased)
            self.leases.release(leased, still_wanted=True)
            raise

    def _hold(self, shards: Iterable[int]) -> None:
        wanted = [n for n in shards if n not in self.consumers.owned]
        if not wanted:
            return
        services = self.instance.services
        first = not self.consumers.owned
        # Follow the new shards before reading them from the store: a change made between the
        # two is then both read and heard, and posting a record twice posts it once.
        self.bus.follow([*self.consumers.owned, *wanted])
        with services.uow() as uow:
            if self.bus.narrowed:
                self.instance.matcher.hold(uow, self._circles(uow, wanted), only=first)
            self.instance.matcher.restore_gates(uow, services.clock.now())
        if self.routing:
            ensure_candidate_stream(self.bus)
            self.owners.take(wanted)
        self.consumers.take(wanted)
        log.info("took shards %s", ",".join(map(str, wanted)))

    def _drop(self, shards: Iterable[int]) -> None:
        leaving = [n for n in shards if n in self.consumers.owned]
        if not leaving:
            return
        self.consumers.let_go(leaving)
        self.owners.let_go(leaving)
        if self.bus.narrowed:
            with self.instance.services.uow() as uow:
                self.instance.matcher.let_go(self._circles(uow, leaving))
            self.bus.follow(self.consumers.owned)
        log.info("let go of shards %s", ",".join(map(str, leaving)))

    def _circles(self, uow: UnitOfWork, shards: Iterable[int]) -> list[str]:
        """The stored circles whose events are in ``shards``."""
        wanted, sharding = set(shards), self.bus.sharding
        return [c.id for c in uow.repo(Circle).find() if sharding.circle_shard(c.id) in wanted]

    def match(self, sequence: int, event: DomainEvent) -> None:
        """Match one publication of an owned shard and commit its moments, or hand them to
        their recipients' owners (or raise, and the message is delivered again)."""
        if isinstance(event, ProposalUpdated):
            self.bus.wait_heard(sequence)  # the members' settings heard before it hold
            self.tell(event.update)
            return
        record = publication(event)
        if record is None:
            return
        self.bus.wait_heard(sequence)
        services = self.instance.services
        routed = self.routing and record.circle_id in self.bus.sharding.split
        with self._gates_kept(), services.uow() as uow:
            kind: type[Event | Intent | Offer] = type(record)
            if uow.repo(kind).get(record.id) is None:
                return  # withdrawn or erased before its turn: nobody is told of it
            if routed:
                pairs = self.instance.matcher.routed_pairs(uow, record, services.clock.now())
            else:
                moments = self.instance.matcher.moments_for(uow, record, services.clock.now())
                services.commit(uow, *(MomentCreated(moment) for moment in moments))
        if routed:
            self._hand_on(candidates(record, pairs))
            return
        self.moments += len(moments)

    def tell(self, update: Update) -> None:
        """Tell an update of a proposal in an owned shard to the proposal's followers, read
        from the store now: their moments, admitted by this worker's gate of the circle and
        committed; in a split circle, candidates for each follower's owner instead."""
        services = self.instance.services
        with services.uow() as uow:
            proposal = uow.repo(Proposal).get(update.proposal_id)
            if proposal is None or proposal.hidden_reason is not None:
                return  # hidden or erased before its turn: nobody is told of it
            pairs = self.instance.matcher.follower_pairs(uow, update, services.clock.now())
        if self.routing and update.circle_id in self.bus.sharding.split:
            self._hand_on(candidates(update, pairs))
        elif pairs:
            self._admit(update, pairs)

    def _hand_on(self, found: list[Candidate]) -> None:
        """Publish the candidates to their recipients' shards; return once JetStream stored
        every one (the publication is acknowledged after that)."""
        sharding = self.bus.sharding
        publish_candidates(
            self.bus,
            [(sharding.recipient_shard(c.recipient), c.ident, to_bytes(c)) for c in found],
        )
        self.handed += len(found)

    def own(self, sequence: int, candidate: Candidate) -> None:
        """Apply the gate to a candidate for a recipient this worker owns and commit its
        moment (or nothing, when the gate refuses it or its key is stored already)."""
        self._admit(candidate.record, candidate.pairs)

    def _admit(self, record: Event | Intent | Offer | Update, pairs: list[Pair]) -> None:
        """Commit the moments of the pairs this worker's gate admits, whose keys are not
        stored yet (a message delivered again counts nothing in the gate)."""
        services = self.instance.services
        with self._gates_kept(), services.uow() as uow:
            at = services.clock.now()
            moments = self.instance.matcher.admit_routed(uow, record, pairs, at)
            services.commit(uow, *(MomentCreated(moment) for moment in moments))
        self.moments += len(moments)

    @contextmanager
    def _gates_kept(self) -> Iterator[None]:
        """On a failure, count the gates again from the store before raising: the gate
        counted moments that were not committed, and the message's next delivery must be
        judged as if this one never came (not refused as a duplicate of itself)."""
        try:
            yield
        except Exception:
            services = self.instance.services
            with services.uow() as uow:
                self.instance.matcher.restore_gates(uow, services.clock.now())
            raise
