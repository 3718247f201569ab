"""A moment's delivery key: one moment per publication and recipient, in the store itself.

An engine worker may match a publication a second time (a redelivery after a crash, a shard
taken over while its last owner was still busy) with a relevance gate that never saw the
first time. With ``once`` it finds the moments told already and writes none; without, the
store refuses the second moment of the same key.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import IntegrityError

from buurt.bootstrap import Buurt
from buurt.domain.activity import Event
from buurt.domain.errors import Conflict
from buurt.domain.moments import Moment
from buurt.ports import UnitOfWork
from buurt.services.consent.decision import ConsentBook
from buurt.services.matching.matcher import Matcher
from tests.actors import World, issue
from tests.integration.test_relevance_restart import NEAR, moments, solar, subscribe

pytestmark = pytest.mark.frozen_clock


def _loaded(instance: Buurt, *, once: bool) -> Matcher:
    """A matcher of another process, loaded from the store as it is now."""
    book = ConsentBook()
    matcher = Matcher(book, once=once)
    with instance.services.uow() as uow:
        book.load(uow)
        matcher.load(uow, instance.services.clock.now())
    return matcher


def test_a_publication_matched_again_is_not_told_twice(world: World, instance: Buurt) -> None:
    circle_id = world.circle["id"]
    subscribe(world.bob, circle_id)
    thing = world.ann.created(
        "/v1/things",
        {
            "circle_id": circle_id,
            "kind": "solar_inverter",
            "name": "Roof",
            "place": NEAR,
            "visibility": "public",
        },
    )
    inverter = issue(world.ann, "thing", thing["id"])
    # Loaded before the event: their gates never see its moment.
    worker, careless = _loaded(instance, once=True), _loaded(instance, once=False)
    event = solar(inverter)
    told = moments(world.bob)
    assert len(told) == 1
    now = instance.services.clock.now()
    with instance.services.uow() as uow:
        record = uow.repo(Event).get(event["id"])
        assert record is not None
        assert worker.moments_for(uow, record, now) == []
        uow.commit()
    # The control: without ``once`` the gate admits the pair again, and the store says no
    # (at the commit, or already at a flush on the way there).
    with instance.services.uow() as uow, pytest.raises((Conflict, IntegrityError)):
        _told_again(careless, uow, record, now, world.bob.id)
    with instance.services.uow() as uow:
        stored = uow.repo(Moment).find(source_id=event["id"])
    assert [m.delivery_key for m in stored] == [f"{event['id']}|member:{world.bob.id}"]


def _told_again(
    matcher: Matcher, uow: UnitOfWork, record: Event, now: datetime, recipient: str
) -> None:
    again = matcher.moments_for(uow, record, now)
    assert [m.recipient_id for m in again] == [recipient]
    uow.commit()
