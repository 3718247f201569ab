"""Shard leases: one key per shard in a JetStream key-value bucket, held by one worker at a time.

An engine worker fetches from a shard's durable consumers (``buurt-shard-<n>``, and
``buurt-owner-<n>`` for its candidates) only while it holds the shard's lease: the key
``shard-<n>`` of the bucket ``<events stream>_LEASES`` (history 1, its entries living
``ttl`` seconds, replicated as the events stream is), whose value names the holder.

- **Taking** is a create (it succeeds only when the key is missing, deleted or expired), and
  **renewing** an update with the revision last written: both are compare-and-set on the
  server, so two workers can never both hold a shard. A renewal that finds another revision
  (the key expired and another worker created it) loses the lease.
- **How long a holder counts on it**: from when it *sent* its last successful write, ``ttl``
  less a safety margin (a third of it). The server keeps the entry ``ttl`` from when it
  wrote it, which is later, so a holder that could not renew in time (paused, partitioned,
  NATS away) stops before the entry can expire and another worker take the shard. ``holds``
  reads the clock, not a flag, so a thread that wakes from a pause finds it lapsed at once.
- **Releasing** is a delete with the last revision: the next worker takes the shard at its
  next try instead of after the ttl.
- **Waiting**: a shard that is wanted and not held is tried again at every round (a quarter
  of the ttl), so a worker started with the shards of one that was SIGKILLed takes them
  about a ttl later.

The ttl is the bucket's: set when the bucket is made (``BUURT_WORKER_LEASE_SECONDS``), and
read back from the server, so a worker configured otherwise still counts on the bucket's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import nats
from nats.js import api
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from buurt.adapters.bus.nats import BusUnavailable, NatsBus

log = logging.getLogger("buurt.worker")

MARGIN = 1 / 3  # of the ttl: a holder stops counting on its lease this long before it ends
ROUNDS = 4  # renewals (and tries of the shards not held) per ttl
Changes = Callable[[list[int], list[int]], None]
"""Told ``(taken, lost)`` after a round of the keeper thread took or lost leases."""


def lease_bucket(stream: str) -> str:
    return f"{stream}_LEASES"


def lease_key(shard: int) -> str:
    return f"shard-{shard}"


def holder_name() -> str:
    """What a lease's value says: the host and process, and a token unique to this run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass
class _Held:
    revision: int
    until: float  # on the clock: when the holder stops counting on the lease


class ShardLeases:
    """The leases of the shards one worker wants: ``want`` and ``release`` them, ``holds``
    says whether a shard may be fetched now; ``start`` runs the keeper thread that renews
    them and tries those not held, telling ``on_change`` what it took and lost."""

    def __init__(
        self,
        bus: NatsBus,
        *,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        holder: str | None = None,
        on_change: Changes = lambda taken, lost: None,
    ) -> None:
        self.bus, self.ttl, self.clock = bus, ttl, clock
        self.holder = holder or holder_name()
        self.on_change = on_change
        self._held: dict[int, _Held] = {}  # replaced whole, never changed: read without a lock
        self._wanted: set[int] = set()
        self._lock = threading.Lock()  # one round, want or release at a time
        self._kv: KeyValue | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what the worker asks --------------------------------------------------------------

    @property
    def interval(self) -> float:
        return self.ttl / ROUNDS

    def holds(self, shard: int) -> bool:
        """Whether this worker holds ``shard``'s lease now (its consumers may fetch)."""
        held = self._held.get(shard)
        return held is not None and self.clock() < held.until

    @property
    def held(self) -> list[int]:
        return sorted(n for n in self._held if self.holds(n))

    @property
    def wanted(self) -> list[int]:
        with self._lock:
            return sorted(self._wanted)

    def states(self) -> dict[int, bool]:
        """Each wanted shard, and whether its lease is held now (``/metrics``)."""
        return {n: self.holds(n) for n in self.wanted}

    def want(self, shards: Iterable[int]) -> list[int]:
        """Add ``shards`` to those this worker wants, try each once now, and return those
        taken; the keeper thread tries the others at every round."""
        with self._lock:
            self._ensure_bucket()
            fresh = [n for n in shards if n not in self._wanted]
            self._wanted.update(fresh)
            return self._round(fresh)[0]

    def release(self, shards: Iterable[int], *, still_wanted: bool = False) -> None:
        """Delete the leases held of ``shards`` (with their revision: one taken by another
        worker meanwhile is left alone), and stop wanting them unless ``still_wanted`` (they
        are then tried again at the next round)."""
        with self._lock:
            leaving = set(shards)
            if not still_wanted:
                self._wanted -= leaving
            held = {n: h for n, h in self._held.items() if n in leaving}
            self._held = {n: h for n, h in self._held.items() if n not in leaving}
            if not held:
                return
            if self._kv is None or not self.bus.connected:
                log.info("the leases of %s are left to expire: NATS is away", sorted(held))
                return
            try:
                self._run(self._release(self._kv, held))
            except Exception as error:  # NATS away: they expire with their ttl
                log.info("the leases of %s were not deleted (%r)", sorted(held), error)

    def renew(self) -> tuple[list[int], list[int]]:
        """One round: renew the leases held, try the wanted ones not held; ``(taken, lost)``."""
        with self._lock:
            if self._kv is None:
                self._ensure_bucket()
            return self._round(sorted(self._wanted))

    def start(self) -> None:
        """Run the keeper thread (a round every quarter of the ttl)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._keep, name="buurt-leases", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the keeper thread and release every lease held."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.ttl)
        self.release(self.wanted)

    # -- rounds ------------------------------------------------------------------------------

    def _keep(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                taken, lost = self.renew()
            except Exception:  # NATS away: what is held lapses by the clock
                log.warning("the shards' leases could not be renewed", exc_info=True)
                continue
            if taken or lost:
                self.on_change(taken, lost)

    def _round(self, shards: list[int]) -> tuple[list[int], list[int]]:
        """Renew or take each of ``shards``; called with the lock held."""
        assert self._kv is not None
        before = dict(self._held)
        try:
            found = self._run(self._renew_all(self._kv, shards, before))
        except (TimeoutError, BusUnavailable) as error:
            log.info("the leases' round got no answer (%r)", error)
            found = {}
        held = dict(before)
        for shard in shards:
            outcome = found.get(shard)
            if outcome is not None:
                held[shard] = outcome
            elif shard in held and (shard in found or self.clock() >= held[shard].until):
                del held[shard]  # another worker's now, or not renewed in time
        self._held = held
        taken = sorted(n for n in held if n not in before)
        lost = sorted(n for n in before if n not in held)
        for shard in taken:
            log.info("took the lease of shard %d", shard)
        for shard in lost:
            log.warning("lost the lease of shard %d: no longer fetching it", shard)
        return taken, lost

    def _run(self, work: object) -> dict[int, _Held | None]:
        try:
            found: dict[int, _Held | None] = self.bus.submit(work).result(  # type: ignore[arg-type]
                timeout=self.interval * 2
            )
        except (TimeoutError, nats.errors.Error) as error:
            raise BusUnavailable(f"JetStream did not answer for the leases: {error!r}") from error
        return found

    def _ensure_bucket(self) -> None:
        """Find the bucket, or make it (history 1, entries living ``ttl``, replicated as the
        events stream); then count on the bucket's ttl, whatever was configured."""
        if self._kv is not None:
            return
        try:
            self._kv, ttl = self.bus.submit(self._bucket()).result(timeout=self.bus.timeout * 3)
        except (TimeoutError, nats.errors.Error) as error:
            raise BusUnavailable(f"cannot reach the leases' bucket: {error!r}") from error
        if ttl and abs(ttl - self.ttl) > 1e-3:
            log.warning(
                "the leases' bucket keeps an entry %g s, not the %g s configured: counting on %g s",
                ttl,
                self.ttl,
                ttl,
            )
            self.ttl = ttl

    # -- on the client's loop ----------------------------------------------------------------

    async def _bucket(self) -> tuple[KeyValue, float | None]:
        js = self.bus.client.jetstream(timeout=self.bus.timeout)
        name = lease_bucket(self.bus.stream)
        try:
            kv = await js.key_value(name)
        except BucketNotFoundError:
            events = await js.stream_info(self.bus.stream)
            # Two workers making it at once with one configuration both succeed.
            kv = await js.create_key_value(
                api.KeyValueConfig(
                    bucket=name,
                    history=1,
                    ttl=self.ttl,
                    storage=api.StorageType.FILE,
                    replicas=events.config.num_replicas or 1,
                )
            )
        status = await kv.status()
        return kv, status.ttl

    async def _renew_all(
        self, kv: KeyValue, shards: list[int], held: dict[int, _Held]
    ) -> dict[int, _Held | None]:
        """For each shard: its lease now (``None``: another's); a shard missing from the
        answer got no answer (it lapses by the clock)."""
        results = await asyncio.gather(
            *(self._renew_one(kv, n, held.get(n)) for n in shards), return_exceptions=True
        )
        found: dict[int, _Held | None] = {}
        for shard, result in zip(shards, results, strict=True):
            if isinstance(result, BaseException):
                log.info("shard %d's lease got no answer (%r)", shard, result)
            else:
                found[shard] = result
        return found

    async def _renew_one(self, kv: KeyValue, shard: int, held: _Held | None) -> _Held | None:
        key, value = lease_key(shard), self.holder.encode()
        sent = self.clock()
        try:
            if held is None:
                revision = await asyncio.wait_for(kv.create(key, value), self.interval)
            else:
                revision = await asyncio.wait_for(
                    kv.update(key, value, held.revision), self.interval
                )
        except KeyWrongLastSequenceError:
            # Someone else's, or ours at a revision whose answer was lost: the value says.
            try:
                entry = await asyncio.wait_for(kv.get(key), self.interval)
            except KeyNotFoundError:
                return None  # deleted meanwhile: taken at the next round
            if entry.value != value or entry.revision is None:
                return None
            sent = self.clock()
            try:
                revision = await asyncio.wait_for(
                    kv.update(key, value, entry.revision), self.interval
                )
            except KeyWrongLastSequenceError:
                return None
        return _Held(revision, sent + self.ttl * (1 - MARGIN))

    async def _release(self, kv: KeyValue, held: dict[int, _Held]) -> dict[int, _Held | None]:
        for shard, lease in held.items():
            try:
                await asyncio.wait_for(
                    kv.delete(lease_key(shard), last=lease.revision), self.interval
                )
            except (KeyWrongLastSequenceError, TimeoutError, nats.errors.Error) as error:
                # Taken by another meanwhile, or NATS away: it expires with its ttl.
                log.info("shard %d's lease was not deleted (%r)", shard, error)
            else:
                log.info("released the lease of shard %d", shard)
        return {}
