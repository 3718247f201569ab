"""A publication whose moments' commit failed in an engine worker, against a real nats-server
and PostgreSQL: the gate had admitted its moments, so without counting the gates again from the
store its next delivery would be refused as a duplicate of itself, and nobody told."""

from __future__ import annotations

from typing import Any

import pytest

from buurt.domain.events import EventPublished
from tests.integration.bus.deployment import Deployment, engine_worker
from tests.jetstream import stored

pytestmark = pytest.mark.slow


def _published(deployment: Deployment) -> EventPublished:
    """One event published through the API, as the stream holds it (no worker owns its
    shard, so nobody has matched it yet)."""
    deployment.publish(1)
    [event] = [
        e
        for _, e in stored(deployment.nats, deployment.stream, "buurt.events.>")
        if isinstance(e, EventPublished)
    ]
    return event


def test_a_publication_whose_commit_failed_is_matched_when_it_comes_again(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = _published(deployment)
    circle_id = event.event.circle_id
    everyone = {*deployment.subscribers[circle_id], deployment.capped[circle_id]}
    with engine_worker(deployment) as worker:
        matcher = worker.instance.matcher
        with worker.instance.services.uow() as uow:
            matcher.hold(uow, [circle_id])  # indexed as if it owned the shard
        moments_for = matcher.moments_for

        def admitted_then_failed(uow: Any, record: Any, at: Any) -> Any:
            assert moments_for(uow, record, at)  # the gate admitted every subscriber
            raise ConnectionError("the database went away")

        monkeypatch.setattr(matcher, "moments_for", admitted_then_failed)
        with pytest.raises(ConnectionError):
            worker.match(0, event)
        assert deployment.stored_moments() == []
        monkeypatch.undo()
        worker.match(0, event)  # delivered again: judged as if it came the first time
        told = deployment.stored_moments()
        assert {recipient for _, recipient in told} == everyone
        assert len(told) == len(everyone)
        worker.match(0, event)  # and again: its delivery keys are stored
        assert len(deployment.stored_moments()) == len(everyone)
        assert worker.moments == len(everyone)
