"""Workers that share a store never send one delivery twice: each sends only what it claimed.

Two workers, each its instance's, on one store (SQLite and PostgreSQL), a real receiver that
holds its answers so that both workers are mid-attempt at once. The control runs the same two
workers with claiming bypassed, and the receiver gets duplicates.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine.interfaces import DBAPIConnection

from buurt.adapters.store import SqlDeliveryClaims, create_database_engine
from buurt.adapters.store.claims import claimable
from buurt.adapters.store.tables_webhooks import webhook_deliveries
from buurt.adapters.webhooks import DeliveryWorker
from buurt.bootstrap import Buurt
from buurt.domain.webhooks import DeliveryStatus, WebhookDelivery
from buurt.ports import UnitOfWorkFactory
from buurt.services.webhooks.claims import LocalClaims
from tests.actors import World
from tests.integration.webhook_world import (
    build_instance,
    deliveries,
    register,
    running,
    store_moment,
    webhook_instance,
)
from tests.receivers import Receiver, eventually
from tests.timeline import MovingClock

pytestmark = webhook_instance
N = 20
IN_FLIGHT = 4  # per worker and endpoint (the default concurrency)


class ClaimsBypassed:
    """Claims nothing: each worker takes every due delivery for its own, as if alone."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def claim(
        self, endpoint_id: str, worker: str, now: datetime, until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        with self._uow_factory() as uow:
            where = {"endpoint_id": endpoint_id, "status": DeliveryStatus.PENDING}
            pending = uow.repo(WebhookDelivery).page(where=where, limit=500).items
        due = sorted((d for d in pending if d.next_attempt_at <= now), key=lambda d: d.id)
        return due[:limit]

    def release(self, worker: str, delivery_ids: list[str]) -> None:
        pass


async def _two_workers(
    instance: Buurt, world: World, database_url: str, *, bypass: bool
) -> tuple[list[str], list[str], list[str]]:
    """The ids both workers had in flight at once, every id the receiver got, and the ids of
    the deliveries owed."""
    with Receiver(hold=True) as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        for _ in range(N):
            _owed_moment(instance, world)
        owed = [d["id"] for d in deliveries(world.bakery_actor, webhook["id"])]
        other = build_instance(database_url)
        try:
            workers = [instance.webhooks, other.webhooks]
            if bypass:
                workers = [
                    DeliveryWorker(
                        app.services.uow_factory,
                        app.services.clock,
                        app.services.webhook_rules,
                        ClaimsBypassed(app.services.uow_factory),
                    )
                    for app in (instance, other)
                ]
            async with running(workers[0]), running(workers[1]):
                await eventually(
                    lambda: len(receiver.received) == 2 * IN_FLIGHT, "both workers are sending"
                )
                held = [got.headers["Buurt-Idempotency-Key"] for got in receiver.received]
                receiver.release()
                await eventually(
                    lambda: not deliveries(world.bakery_actor, webhook["id"], status="pending"),
                    "nothing is pending",
                )
        finally:
            other.close()
    got = [r.headers["Buurt-Idempotency-Key"] for r in receiver.received]
    return held, got, owed


async def test_two_workers_on_one_store_send_every_delivery_exactly_once(
    instance: Buurt, world: World, database_url: str
) -> None:
    held, got, owed = await _two_workers(instance, world, database_url, bypass=False)
    assert len(set(held)) == 2 * IN_FLIGHT  # mid-attempt at once, on different deliveries
    assert len(owed) == N
    assert Counter(got) == Counter(owed)  # every delivery received, and each once


async def test_without_claims_two_workers_send_duplicates(
    instance: Buurt, world: World, database_url: str
) -> None:
    # The control: the same run with claiming bypassed is caught by the same counts.
    held, got, owed = await _two_workers(instance, world, database_url, bypass=True)
    assert len(set(held)) == IN_FLIGHT  # both workers sent the same deliveries
    assert set(got) == set(owed)
    assert len(got) > N


def _owed_moment(instance: Buurt, world: World) -> None:
    services, business = instance.services, world.bakery["id"]
    store_moment(services, world.circle["id"], "business", business, in_transaction=True)


def _claims(kind: str, instance: Buurt) -> SqlDeliveryClaims | LocalClaims:
    if kind == "local":
        return LocalClaims(instance.services.uow_factory)
    assert instance.database is not None
    return SqlDeliveryClaims(instance.database)


@pytest.mark.frozen_clock
@pytest.mark.parametrize("kind", ["sql", "local"])
def test_a_claim_holds_until_it_runs_out_or_is_given_back(
    kind: str, instance: Buurt, world: World, clock: MovingClock
) -> None:
    claims = _claims(kind, instance)
    webhook = register(world.bakery_actor, "http://127.0.0.1:9/hooks")
    for _ in range(6):
        store_moment(
            instance.services,
            world.circle["id"],
            "business",
            world.bakery["id"],
            in_transaction=True,
        )
    owed = [d["id"] for d in deliveries(world.bakery_actor, webhook["id"])]
    now, lease = clock.now(), timedelta(minutes=2)
    crashed = claims.claim(webhook["id"], "worker-a", now, now + lease, 4)
    assert [d.id for d in crashed] == owed[:4]  # oldest due first, no more than asked
    assert all(d.claimed_by == "worker-a" for d in crashed)
    # Another worker gets only what is left, however much it asks for ...
    assert [d.id for d in claims.claim(webhook["id"], "worker-b", now, now + lease, 9)] == owed[4:]
    assert claims.claim(webhook["id"], "worker-b", now + lease / 2, now + lease, 9) == []
    # ... until the first worker's claims run out (it crashed, say): then they are free.
    later = now + lease
    taken = claims.claim(webhook["id"], "worker-b", later, later + lease, 9)
    assert [d.id for d in taken] == owed  # worker-b's own ran out at the same instant
    # Given back (by the holder only), a claim is free at once.
    claims.release("worker-a", owed)  # not worker-a's any more: nothing changes
    assert claims.claim(webhook["id"], "worker-c", later, later + lease, 9) == []
    claims.release("worker-b", owed[:2])
    assert [d.id for d in claims.claim(webhook["id"], "worker-c", later, later, 9)] == owed[:2]


# With these planner methods off, PostgreSQL runs a subquery in ``IN (...)`` once per row of
# the table it updates, as it may choose to on its own when its statistics are stale.
RESCANNING_PLANS = ("hashjoin", "mergejoin", "material", "hashagg", "sort")


@pytest.mark.frozen_clock
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_claim_takes_no_more_than_asked_whatever_plan_postgresql_chooses(
    instance: Buurt, world: World, clock: MovingClock, database_url: str
) -> None:
    webhook = register(world.bakery_actor, "http://127.0.0.1:9/hooks")
    for _ in range(6):
        _owed_moment(instance, world)
    owed = [d["id"] for d in deliveries(world.bakery_actor, webhook["id"])]
    engine = create_database_engine(database_url)

    @event.listens_for(engine, "connect")
    def rescanning(connection: DBAPIConnection, _record: object) -> None:
        cursor = connection.cursor()
        for method in RESCANNING_PLANS:
            cursor.execute(f"SET enable_{method} = off")
        cursor.close()
        connection.commit()  # else the pool's rollback undoes the settings

    now, until = clock.now(), clock.now() + timedelta(minutes=2)
    try:
        # The control: the claim as a plain ``IN (subquery)`` takes all six under these plans.
        table = webhook_deliveries
        with engine.connect() as connection:
            overclaimed = connection.scalars(
                update(table)
                .where(table.c.id.in_(claimable(webhook["id"], now, 4).scalar_subquery()))
                .values(claimed_until=until, claimed_by="worker-a")
                .returning(table.c.id)
            ).all()
            connection.rollback()
        assert sorted(overclaimed) == sorted(owed)
        claimed = SqlDeliveryClaims(engine).claim(webhook["id"], "worker-a", now, until, 4)
        assert [d.id for d in claimed] == owed[:4]
    finally:
        engine.dispose()


@pytest.mark.frozen_clock
def test_recording_an_attempt_ends_its_claim(instance: Buurt, world: World) -> None:
    claims = _claims("sql", instance)
    webhook = register(world.bakery_actor, "http://127.0.0.1:9/hooks")
    _owed_moment(instance, world)
    now = instance.services.clock.now()
    far = now + timedelta(hours=1)
    (delivery,) = claims.claim(webhook["id"], "worker-a", now, far, 1)
    with instance.services.uow() as uow:
        stored = uow.repo(WebhookDelivery).get(delivery.id)
        assert stored is not None
        assert stored.claimed_by == "worker-a"
        stored.failed_attempt(now, 500, "answered 500", instance.services.webhook_rules, 0.0)
        uow.commit()
    with instance.services.uow() as uow:
        recorded = uow.repo(WebhookDelivery).get(delivery.id)
    assert recorded is not None
    assert (recorded.claimed_until, recorded.claimed_by) == (None, None)
    assert [d.id for d in claims.claim(webhook["id"], "worker-b", now, far, 1)] == [delivery.id]


async def test_a_stopping_worker_gives_back_the_claims_of_attempts_it_cuts_short(
    instance: Buurt, world: World
) -> None:
    with Receiver(hold=True) as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        _owed_moment(instance, world)
        worker = instance.webhooks
        await worker.start()
        try:
            await eventually(lambda: len(receiver.received) == 1, "the attempt is under way")
            with instance.services.uow() as uow:
                (claimed,) = uow.repo(WebhookDelivery).find(endpoint_id=webhook["id"])
            assert claimed.claimed_by == worker.name  # the control: it was claimed
        finally:
            await worker.stop(grace_seconds=0.05)
    with instance.services.uow() as uow:
        (given_back,) = uow.repo(WebhookDelivery).find(endpoint_id=webhook["id"])
    assert given_back.status is DeliveryStatus.PENDING
    assert (given_back.claimed_until, given_back.claimed_by) == (None, None)


@pytest.mark.frozen_clock
async def test_a_crashed_workers_claims_come_back_when_their_lease_runs_out(
    instance: Buurt, world: World, clock: MovingClock
) -> None:
    claims = _claims("sql", instance)
    worker = instance.webhooks
    with Receiver() as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        for _ in range(2):
            _owed_moment(instance, world)
        # A worker claimed the first and died before sending it (a SIGKILL leaves just that).
        now = clock.now()
        (lost,) = claims.claim(webhook["id"], "crashed", now, now + worker.lease, 1)
        async with running(worker):
            # The control: the free one is sent; the claimed one waits for its lease.
            await eventually(lambda: len(receiver.received) == 1, "the free one is sent")
            await eventually(
                lambda: len(deliveries(world.bakery_actor, webhook["id"], status="pending")) == 1,
                "the free one is recorded",
            )
            clock.advance(seconds=worker.lease.total_seconds())
            worker.wake(webhook["id"])
            await eventually(
                lambda: not deliveries(world.bakery_actor, webhook["id"], status="pending"),
                "the lost one is sent after its lease",
            )
    keys = [got.headers["Buurt-Idempotency-Key"] for got in receiver.received]
    assert keys[1] == lost.id
    assert sorted(keys) == sorted(d["id"] for d in deliveries(world.bakery_actor, webhook["id"]))


def test_a_lane_gives_back_what_it_claimed_while_that_attempt_was_still_ending(
    instance: Buurt, world: World
) -> None:
    """An attempt is recorded (its claim ended) and the owner asks for a redelivery before
    the attempt's task is over: the lane's next read claims it while it still counts as
    busy. That claim is given back; kept, the redelivery would wait out a whole lease."""
    worker = instance.webhooks
    webhook = register(world.bakery_actor, "http://127.0.0.1:9/hooks")
    _owed_moment(instance, world)
    [owed] = deliveries(world.bakery_actor, webhook["id"])

    def claimed_by() -> str | None:
        with instance.services.uow() as uow:
            stored = uow.repo(WebhookDelivery).get(owed["id"])
        assert stored is not None
        return stored.claimed_by

    _endpoint, due, _next = worker._due(webhook["id"], frozenset({owed["id"]}), IN_FLIGHT)
    assert due == []
    assert claimed_by() is None
    # The control: with its attempt over, the same read claims it and hands it out.
    _endpoint, due, _next = worker._due(webhook["id"], frozenset(), IN_FLIGHT)
    assert [d.id for d in due] == [owed["id"]]
    assert claimed_by() == worker.name
