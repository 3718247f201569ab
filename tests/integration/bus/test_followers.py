"""Followers told by the engine workers (ADR 0017), against a real nats-server and a real
PostgreSQL: a comment made through an API replica (``BUURT_MATCHING=workers``) commits its
``ProposalUpdated``, and the worker that owns the circle's shard makes the follower's moment,
once however often the update comes; in a split circle the follower's owner makes it, from a
candidate. The moments are counted where they arrive: the store, the follower's
``GET /v1/moments``, the ``moment.created`` events on the stream and the follower's per-party
subject.

Last, against a bare nats-server: a shard's consumer made by a version that followed only the
publications is given the updates' subject when a worker binds, at the same place.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js import api

from buurt.adapters.bus.nats import NatsBus
from buurt.adapters.bus.shards import Sharding
from buurt.adapters.bus.workers import ShardConsumers, consumer_name
from buurt.domain.activity import Intent
from buurt.domain.cocreation import Proposal
from buurt.domain.events import DomainEvent, MomentCreated, ProposalUpdated, StandingCreated
from buurt.domain.following import Update, UpdateKind
from buurt.domain.moments import Moment, PublicationKind, Reason, ReasonCode, StandingKind
from buurt.domain.places import Area, Place
from buurt.services.matching.candidates import Pair
from tests.actors import BOUNDARY, neighbour, register
from tests.integration.bus import test_owners
from tests.integration.bus.deployment import (
    ACK_WAIT,
    SHARDS,
    Deployment,
    PartyListener,
    engine_worker,
    wait,
    worker_process,
)
from tests.jetstream import NatsServer, delete_stream, stored
from tests.timeline import MovingClock

pytestmark = pytest.mark.slow

UPDATES = "buurt.events.*.*.proposal.updated"


class Proposed:
    """A circle of its own in the deployment, a proposal in it, its follower and a commenter."""

    def __init__(self, deployment: Deployment) -> None:
        client = deployment.client
        self.deployment = deployment
        self.admin = register(client, "Ana Admin")
        circle = self.admin.created("/v1/circles", {"name": "Volgers", "boundary": BOUNDARY})
        self.circle_id: str = circle["id"]
        self.follower = neighbour(self.admin, "Fien", self.circle_id)
        self.commenter = neighbour(self.admin, "Kees", self.circle_id)
        body = {
            "circle_id": self.circle_id,
            "title": "Rye bread on Sundays",
            "description": "Sourdough rye, baked on Sunday mornings.",
            "category": "food/bread",
        }
        self.proposal_id: str = self.commenter.created("/v1/proposals", body)["id"]
        self.follow_id: str = self.follower.created(
            "/v1/follows", {"proposal_id": self.proposal_id}
        )["id"]

    @property
    def shard(self) -> int:
        return self.deployment.shard(self.circle_id)

    def comment(self, text: str) -> str:
        path = f"/v1/proposals/{self.proposal_id}/comments"
        made: str = self.commenter.created(path, {"text": text})["id"]
        return made

    def stored_moments(self) -> list[Moment]:
        with self.deployment.api.services.uow() as uow:
            return uow.repo(Moment).find(recipient_id=self.follower.id)

    def pulled(self) -> list[dict[str, Any]]:
        """The follower's moments, as they pull them."""
        response = self.follower.get("/v1/moments")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def updates(self) -> list[tuple[str, Update]]:
        """The ``ProposalUpdated`` on the stream, with their subjects."""
        found = stored(self.deployment.nats, self.deployment.stream, UPDATES)
        return [(s, e.update) for s, e in found if isinstance(e, ProposalUpdated)]

    def streamed(self) -> Counter[str]:
        """The follower's moments of ``moment.created`` events on the stream, by moment id."""
        found = stored(
            self.deployment.nats, self.deployment.stream, "buurt.events.*.*.moment.created"
        )
        return Counter(
            e.moment.id
            for _, e in found
            if isinstance(e, MomentCreated) and e.moment.recipient_id == self.follower.id
        )


@pytest.fixture
def proposed(deployment: Deployment) -> Proposed:
    return Proposed(deployment)


def _consumer(deployment: Deployment, shard: int) -> Any:
    async def read() -> Any:
        client = await nats.connect(deployment.nats.url)
        try:
            return await client.jetstream(timeout=5).consumer_info(
                deployment.stream, consumer_name(shard)
            )
        finally:
            await client.close()

    return asyncio.run(read())


def _handled_up_to(deployment: Deployment, shard: int, sequence: int) -> Callable[[], bool]:
    """Whether the shard's consumer acknowledged every message up to ``sequence``."""

    def check() -> bool:
        info = _consumer(deployment, shard)
        return bool(info.ack_floor.stream_seq >= sequence and not info.num_ack_pending)

    return check


def bound(deployment: Deployment, shard: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return bool(_consumer(deployment, shard).num_waiting)
        except nats.js.errors.NotFoundError:
            return False

    return check


# -- one circle, a worker process --------------------------------------------------------------


def test_the_worker_tells_the_follower_once_and_the_replica_tells_nobody(
    deployment: Deployment, proposed: Proposed, tmp_path: Path
) -> None:
    listener = PartyListener(deployment.nats.url)
    log = tmp_path / "worker.log"
    try:
        with worker_process(deployment, "all", log):
            wait(bound(deployment, proposed.shard))  # the shard's consumer exists ...
        # ... and no worker pulls from it while the comment is made.
        comment_id = proposed.comment("Caraway seeds, anyone?")
        # Inline, the moment would be committed with the comment: here the replica made none.
        assert proposed.stored_moments() == []
        [(subject, update)] = proposed.updates()
        assert subject == f"buurt.events.{proposed.shard}.{proposed.circle_id}.proposal.updated"
        assert (update.kind, update.source_id) == (UpdateKind.COMMENTED, comment_id)
        time.sleep(2 * ACK_WAIT)
        assert proposed.stored_moments() == []  # nothing else makes it

        with worker_process(deployment, "all", log):
            wait(lambda: len(proposed.stored_moments()) == 1)
            [moment] = proposed.stored_moments()
            assert (moment.source_id, moment.standing_kind, moment.standing_id) == (
                comment_id,
                StandingKind.FOLLOW,
                proposed.follow_id,
            )
            assert (
                moment.delivery_key
                == f"{update.id}/{proposed.follow_id}|member:{moment.recipient_id}"
            )
            [pulled] = proposed.pulled()
            assert (pulled["id"], pulled["reason_code"]) == (moment.id, "proposal_commented")

            # The same update delivered again: its key is stored, nobody is told twice.
            bus = deployment.api.nats_bus
            assert bus is not None
            [again] = bus.publish_identified([(None, ProposalUpdated(update))])
            wait(_handled_up_to(deployment, proposed.shard, again))
            time.sleep(ACK_WAIT)
            assert [m.id for m in proposed.stored_moments()] == [moment.id]

            # The control: the worker that ignored the repeat tells the next update.
            second = proposed.comment("Rye with caraway, then")
            wait(lambda: len(proposed.stored_moments()) == 2)
            assert {m.source_id for m in proposed.stored_moments()} == {comment_id, second}
            wait(lambda: len(proposed.streamed()) == 2, 30)
            assert set(proposed.streamed().values()) == {1}
            assert {m["source_id"] for m in proposed.pulled()} == {comment_id, second}
            wait(lambda: len(_announced(listener, proposed)) == 2, 30)
            assert Counter(_announced(listener, proposed).values()).most_common(1)[0][1] == 1
        assert "was delivered again" not in log.read_text()  # the repeat was a new message
    finally:
        listener.close()


def _announced(listener: PartyListener, proposed: Proposed) -> dict[str, tuple[str, str]]:
    return {
        ident: told for ident, told in listener.announced.items() if told[1] == proposed.follower.id
    }


# -- a redelivery, a failed commit, a hidden proposal (a worker in this process) ---------------


def test_an_update_delivered_again_after_a_lost_acknowledgement_tells_nobody_twice(
    deployment: Deployment, proposed: Proposed
) -> None:
    with engine_worker(deployment) as worker:
        seen: set[str] = set()

        def losing_the_first_ack(sequence: int, event: DomainEvent) -> None:
            worker.match(sequence, event)
            if isinstance(event, ProposalUpdated) and event.update.id not in seen:
                seen.add(event.update.id)
                raise ConnectionError("the acknowledgement was lost")

        worker.consumers.handle = losing_the_first_ack
        worker.take([proposed.shard])
        comment_id = proposed.comment("Caraway seeds, anyone?")
        stats = worker.stats()[proposed.shard]
        wait(lambda: stats.redelivered >= 1)
        # The control: the update came twice, and the first time it made the moment.
        assert len(seen) == 1
        assert stats.failures == 1
        [moment] = proposed.stored_moments()
        assert moment.source_id == comment_id
        assert worker.moments == 1


def _an_update(proposed: Proposed) -> Update:
    """The comment's update as the stream holds it (no worker owns the shard)."""
    proposed.comment("Caraway seeds, anyone?")
    [(_, update)] = proposed.updates()
    return update


def test_an_update_whose_commit_failed_is_told_when_it_comes_again(
    deployment: Deployment, proposed: Proposed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate admitted the follower, then the unit of work failed: the gates are counted
    again from the store, so the next delivery is not refused as a duplicate."""
    update = _an_update(proposed)
    with engine_worker(deployment) as worker:
        matcher = worker.instance.matcher
        admit = matcher.admit_routed

        def admitted_then_failed(uow: Any, record: Any, pairs: list[Pair], at: Any) -> Any:
            assert admit(uow, record, pairs, at)  # the gate admitted the follower
            raise ConnectionError("the database went away")

        monkeypatch.setattr(matcher, "admit_routed", admitted_then_failed)
        with pytest.raises(ConnectionError):
            worker.tell(update)
        assert proposed.stored_moments() == []
        monkeypatch.undo()
        worker.tell(update)  # delivered again
        assert len(proposed.stored_moments()) == 1
        worker.tell(update)  # and again: its key is stored
        assert len(proposed.stored_moments()) == 1


def test_a_proposal_hidden_before_the_workers_turn_tells_nobody(
    deployment: Deployment, proposed: Proposed
) -> None:
    update = _an_update(proposed)
    services = deployment.api.services

    def hidden(reason: str | None) -> None:
        with services.uow() as uow:
            found = uow.repo(Proposal).get(proposed.proposal_id)
            assert found is not None
            found.hidden_reason = reason
            uow.commit()

    with engine_worker(deployment) as worker:
        hidden("spam")
        worker.tell(update)
        assert proposed.stored_moments() == []
        hidden(None)  # the control: shown again, the same update tells the follower
        worker.tell(update)
        assert len(proposed.stored_moments()) == 1


# -- a split circle: the follower's owner makes the moment -------------------------------------


@pytest.mark.frozen_clock
def test_in_a_split_circle_the_followers_owner_makes_the_moment_once(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer, clock: MovingClock
) -> None:
    with test_owners.split_circle(request, tmp_path, nats_server, clock) as circle:
        assert circle.thing is not None
        client = circle.thing.client
        sharding = Sharding(SHARDS)
        updates_shard = sharding.circle_shard(circle.circle_id)
        commenter = register(client, "Kees", circle.circle_id)
        follower = register(client, "Fien", circle.circle_id)
        while sharding.recipient_shard(("member", follower.id)) == updates_shard:
            follower = register(client, "Fien", circle.circle_id)  # owned by the other worker
        body = {
            "circle_id": circle.circle_id,
            "title": "Rye bread on Sundays",
            "description": "Sourdough rye.",
            "category": "food/bread",
        }
        proposal_id = commenter.created("/v1/proposals", body)["id"]
        follower.created("/v1/follows", {"proposal_id": proposal_id})
        others = [n for n in range(SHARDS) if n != updates_shard]
        with (
            test_owners.engine_worker(circle, [updates_shard]) as a,
            test_owners.engine_worker(circle, others) as b,
        ):
            comment_id = commenter.created(
                f"/v1/proposals/{proposal_id}/comments", {"text": "Caraway?"}
            )["id"]

            def follower_moments() -> list[tuple[str, str, str]]:
                return [m for m in circle.moments() if m[1] == follower.id]

            wait(lambda: len(follower_moments()) == 1)
            [(source_id, _, key)] = follower_moments()
            assert source_id == comment_id
            # A handed the follower on as a candidate; B, the follower's owner, made it.
            assert (a.handed, a.moments, b.handed, b.moments) == (1, 0, 0, 1)

            # The update delivered again hands the same candidate on, stored once.
            [(_, update)] = [
                (s, e.update)
                for s, e in stored(nats_server, circle.stream, UPDATES)
                if isinstance(e, ProposalUpdated)
            ]
            assert circle.api is not None
            circle.api.bus.publish(ProposalUpdated(update))
            wait(lambda: a.handed == 2)
            time.sleep(ACK_WAIT)
            assert follower_moments() == [(comment_id, follower.id, key)]
            assert b.moments == 1
            assert sum(s.handled for s in b.owner_stats().values()) == 1  # JetStream kept one


# -- a consumer of an older version given the updates' subject ---------------------------------

_NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
_streams = itertools.count()


def _update(circle_id: str, ident: str) -> ProposalUpdated:
    reason = Reason("New comment", ReasonCode.PROPOSAL_COMMENTED, {})
    return ProposalUpdated(
        Update(
            ident,
            circle_id,
            "prp_1",
            "food/bread",
            UpdateKind.COMMENTED,
            PublicationKind.COMMENT,
            "cmt_1",
            reason,
        )
    )


def _held(shard: int) -> bool:
    return True  # no lease: this test binds the consumer itself


def test_a_shards_consumer_of_an_older_version_is_given_the_updates_when_a_worker_binds(
    nats_server: NatsServer,
) -> None:
    stream, prefix = f"UPGRADE_{next(_streams)}", f"up{next(_streams)}.events"
    bus = NatsBus(nats_server.url, stream=stream, prefix=prefix)
    bus.start()
    circle_id = "cir_1"
    shard = bus.sharding.circle_shard(circle_id)
    old = [f"{prefix}.{shard}.*.event.created", f"{prefix}.{shard}.*.standing.created"]
    handled: list[DomainEvent] = []
    consumers = ShardConsumers(
        bus, lambda _, event: handled.append(event), holds=_held, ack_wait=ACK_WAIT
    )

    async def made_before(js: Any) -> Any:
        return await js.add_consumer(
            stream,
            api.ConsumerConfig(
                durable_name=consumer_name(shard),
                filter_subjects=old,
                ack_policy=api.AckPolicy.EXPLICIT,
                deliver_policy=api.DeliverPolicy.NEW,
            ),
        )

    def config() -> Any:
        async def read() -> Any:
            client = await nats.connect(nats_server.url)
            try:
                js = client.jetstream(timeout=5)
                return (await js.consumer_info(stream, consumer_name(shard))).config
            finally:
                await client.close()

        return asyncio.run(read())

    try:

        async def make() -> None:
            client = await nats.connect(nats_server.url)
            try:
                await made_before(client.jetstream(timeout=5))
            finally:
                await client.close()

        asyncio.run(make())
        assert sorted(config().filter_subjects) == sorted(old)  # the control: two subjects
        waiting = StandingCreated(_intent(circle_id))
        bus.publish(waiting)  # stored while no worker pulls: the consumer's place
        consumers.take([shard])
        assert sorted(config().filter_subjects) == sorted(
            [*old, f"{prefix}.{shard}.*.proposal.updated"]
        )
        after = _update(circle_id, "upd_after")
        bus.publish(after)
        wait(lambda: after in handled, 30)
        # The same consumer at the same place: what waited for it came first.
        assert handled[0] == waiting
        consumers.let_go([shard])
        again = ShardConsumers(
            bus, lambda _, event: handled.append(event), holds=_held, ack_wait=ACK_WAIT
        )
        again.take([shard])  # a second binding finds nothing to change
        assert len(config().filter_subjects) == 3
        again.stop()
    finally:
        consumers.stop()
        bus.close()
        delete_stream(nats_server, stream)


def _intent(circle_id: str) -> Intent:
    return Intent("int_1", circle_id, "mem_1", "food/bread", Area(Place(52.36, 4.94), 500), _NOW)
