"""The delivery worker: one lane per endpoint, fed by wake-ups and a periodic sweep of the store.

The store is the queue. A lane reads its endpoint's pending deliveries, starts the due ones (at
most ``concurrency_per_endpoint`` in flight), records each outcome, and sleeps until the next
retry is due or it is woken. A lane with nothing pending ends; a wake-up or the sweep starts it
again. Because every lane has its own task and its own in-flight bound, a partner that answers
slowly, or not at all, only ever holds up its own deliveries.

At start-up the sweep finds every endpoint with pending deliveries, so what was pending when
the process stopped (or crashed mid-attempt) is sent again: delivery is at least once, and
partners de-duplicate with the ``Buurt-Idempotency-Key``.

Several workers may share a store (two ``buurt serve`` on one PostgreSQL): a lane sends only
the deliveries it has claimed (``ports.claims``), so no two workers send one delivery at once.
A claim lasts ``lease`` past the start of the attempt, which is cut off well before that; the
outcome's record ends the claim. A crashed worker's claims run out after the lease and the
deliveries are sent by whoever claims them next; a clean stop gives its claims back at once.

The store is synchronous (SQLAlchemy sessions), so its calls run in the worker's own threads
and the event loop only ever waits on the network; ``stop`` waits for those calls to finish, so
no session outlives the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import httpx

from buurt.adapters.webhooks.sender import Outcome, send
from buurt.domain.ids import new_id
from buurt.domain.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookRules
from buurt.ports import Clock, UnitOfWorkFactory
from buurt.ports.claims import DeliveryClaims

log = logging.getLogger("buurt.webhooks")
BATCH = 500
RETRY_READ = timedelta(seconds=5)
BATCH_PAUSE = timedelta(seconds=1)
LEASE_MARGIN = timedelta(seconds=30)  # between an attempt's cut-off and its claim's end
_random = random.SystemRandom()
T = TypeVar("T")


@dataclass
class _Lane:
    endpoint_id: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None


class DeliveryWorker:
    """Sends pending webhook deliveries; ``start``/``stop`` on a loop, ``wake`` from anywhere."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        rules: WebhookRules,
        claims: DeliveryClaims,
        *,
        sweep_seconds: float = 30.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rules = rules
        self._claims = claims
        self.name = new_id("delivery")  # who holds this worker's claims: unique per worker
        # An attempt connects, writes and reads, each within the timeout: three timeouts is
        # its longest, and the claim outlasts that by a margin.
        self._attempt_limit = 3 * rules.timeout_seconds
        self.lease = timedelta(seconds=self._attempt_limit) + LEASE_MARGIN
        self._sweep_seconds = sweep_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._lanes: dict[str, _Lane] = {}
        self._store_threads: ThreadPoolExecutor | None = None

    @property
    def running(self) -> bool:
        return self._sweeper is not None and not self._sweeper.done()

    async def start(self) -> None:
        """Start on the running loop; pending deliveries left from before are picked up now."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._store_threads = ThreadPoolExecutor(4, thread_name_prefix="webhooks-store")
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self._rules.timeout_seconds),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would hide where requests go
            # No shared connection cap: each lane bounds itself, so lanes cannot starve each other.
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=20),
        )
        self._sweeper = asyncio.create_task(self._sweep(), name="webhooks-sweep")

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop sending. Attempts under way get ``grace_seconds`` to finish and be recorded;
        those cut short stay pending and are sent again on the next start."""
        loops = [self._sweeper] if self._sweeper else []
        loops += [lane.task for lane in self._lanes.values() if lane.task]
        attempts = [task for lane in self._lanes.values() for task in lane.in_flight.values()]
        for task in loops:
            task.cancel()
        if attempts:
            await asyncio.wait(attempts, timeout=grace_seconds)
        cut_short = [
            ident
            for lane in self._lanes.values()
            for ident, task in lane.in_flight.items()
            if not task.done()
        ]
        for task in attempts:
            task.cancel()
        for task in loops + attempts:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if cut_short and self._store_threads is not None:
            try:  # give them back now, rather than when their lease runs out
                await self._in_store(self._claims.release, self.name, cut_short)
            except Exception:
                log.exception("could not give back the claims of attempts cut short")
        self._lanes.clear()
        self._sweeper = None
        if self._store_threads is not None:
            # Store calls of cancelled tasks still run in their threads: let them end first.
            await asyncio.to_thread(self._store_threads.shutdown, wait=True)
            self._store_threads = None
        self._loop = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self, endpoint_id: str) -> None:
        """Look at this endpoint's pending deliveries now. Safe from any thread; a no-op
        while the worker is stopped (the next start's sweep finds the deliveries)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._poke, endpoint_id)

    async def _in_store(self, call: Callable[..., T], *args: object) -> T:
        assert self._loop is not None
        assert self._store_threads is not None
        return await self._loop.run_in_executor(self._store_threads, call, *args)

    def _poke(self, endpoint_id: str) -> None:
        if not self.running:
            return
        lane = self._lanes.get(endpoint_id)
        if lane is None:
            lane = self._lanes[endpoint_id] = _Lane(endpoint_id)
        if lane.task is None or lane.task.done():
            lane.task = asyncio.create_task(self._run(lane), name=f"webhooks-{endpoint_id}")
        lane.wake.set()

    async def _sweep(self) -> None:
        while True:
            try:
                for endpoint_id in await self._in_store(self._endpoints_with_pending):
                    self._poke(endpoint_id)
            except Exception:
                log.exception("the webhook sweep failed; trying again later")
            await asyncio.sleep(self._sweep_seconds)

    def _endpoints_with_pending(self) -> list[str]:
        with self._uow_factory() as uow:
            deliveries = uow.repo(WebhookDelivery)
            return [
                endpoint.id
                for endpoint in uow.repo(WebhookEndpoint).find(active=True)
                if deliveries.page(
                    where={"endpoint_id": endpoint.id, "status": DeliveryStatus.PENDING}, limit=1
                ).items
            ]

    async def _run(self, lane: _Lane) -> None:
        while True:
            lane.wake.clear()
            # Taken before the read: an attempt that ends after this point is still excluded,
            # and one that ended before it has already recorded its outcome in the store.
            busy = frozenset(lane.in_flight)
            # Due ones beyond the room wait for an attempt to finish, which wakes the lane.
            room = max(0, self._rules.concurrency_per_endpoint - len(lane.in_flight))
            try:
                endpoint, due, next_at = await self._in_store(
                    self._due, lane.endpoint_id, busy, room
                )
            except Exception:
                log.exception("could not read deliveries of %s", lane.endpoint_id)
                endpoint, due, next_at = None, [], self._clock.now() + RETRY_READ
            for delivery in due:
                assert endpoint is not None
                task = asyncio.create_task(self._attempt(lane, endpoint, delivery))
                lane.in_flight[delivery.id] = task
            if not lane.in_flight and next_at is None and not lane.wake.is_set():
                self._lanes.pop(lane.endpoint_id, None)
                return
            timeout = None
            if next_at is not None:
                timeout = max(0.0, (next_at - self._clock.now()).total_seconds())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lane.wake.wait(), timeout)

    def _due(
        self, endpoint_id: str, busy: frozenset[str], room: int
    ) -> tuple[WebhookEndpoint | None, list[WebhookDelivery], datetime | None]:
        """The endpoint, up to ``room`` due deliveries claimed for this worker, and when to
        look again: when the next one falls due, or another worker's claim runs out."""
        with self._uow_factory() as uow:
            endpoint = uow.repo(WebhookEndpoint).get(endpoint_id)
            if endpoint is None or not endpoint.active:
                return None, [], None
            pending = uow.repo(WebhookDelivery).page(
                where={"endpoint_id": endpoint.id, "status": DeliveryStatus.PENDING}, limit=BATCH
            )
        now = self._clock.now()
        claimed = self._claims.claim(endpoint_id, self.name, now, now + self.lease, room)
        due = [d for d in claimed if d.id not in busy]
        # A busy one is claimable again once its attempt is recorded, before the attempt's
        # task has ended (a redelivery asked meanwhile): give it back, or it would sit out a
        # whole lease. The attempt's end wakes the lane, which claims it again then.
        self._claims.release(self.name, [d.id for d in claimed if d.id in busy])
        taken = busy | {d.id for d in claimed}
        later = []
        for delivery in pending.items:
            if delivery.id in taken:
                continue
            ready = delivery.next_attempt_at
            if delivery.claimed_until is not None and delivery.claimed_until > ready:
                ready = delivery.claimed_until  # another worker's, unless its claim runs out
            later.append(max(ready, now + BATCH_PAUSE) if ready <= now else ready)
        if len(pending.items) == BATCH:
            later.append(now + BATCH_PAUSE)  # more than a batch is pending: look again soon
        return endpoint, due, min(later, default=None)

    async def _attempt(
        self, lane: _Lane, endpoint: WebhookEndpoint, delivery: WebhookDelivery
    ) -> None:
        try:
            assert self._client is not None
            try:  # cut off well before the claim runs out, so no other worker sends it meanwhile
                async with asyncio.timeout(self._attempt_limit):
                    outcome = await send(
                        self._client, endpoint, delivery, self._rules, self._clock.now()
                    )
            except TimeoutError:
                outcome = Outcome(error=f"no answer within {self._attempt_limit:g} s")
            await self._in_store(self._record, endpoint.id, delivery.id, outcome)
        except Exception:
            log.exception("webhook delivery %s failed unexpectedly", delivery.id)
        finally:
            lane.in_flight.pop(delivery.id, None)
            lane.wake.set()

    def _record(self, endpoint_id: str, delivery_id: str, outcome: Outcome) -> None:
        with self._uow_factory() as uow:
            delivery = uow.repo(WebhookDelivery).get(delivery_id)
            if delivery is None or delivery.status is not DeliveryStatus.PENDING:
                return  # removed with its endpoint meanwhile
            now = self._clock.now()
            if outcome.delivered:
                assert outcome.status_code is not None
                delivery.succeeded(now, outcome.status_code)
            elif outcome.gone:
                delivery.gave_up(now, outcome.status_code, "answered 410 Gone")
                endpoint = uow.repo(WebhookEndpoint).get(endpoint_id)
                if endpoint is not None:
                    endpoint.active = False
                    endpoint.disabled_reason = f"answered 410 Gone at {now.isoformat()}"
                    endpoint.updated_at = now
            else:
                delivery.failed_attempt(
                    now,
                    outcome.status_code,
                    outcome.error or "failed",
                    self._rules,
                    _random.uniform(0.8, 1.2),
                )
            uow.commit()
        if outcome.gone:
            log.warning("webhook endpoint %s answered 410 Gone and is disabled", endpoint_id)
