"""Idempotent creates on the memory store: the answer is stored with the record, or neither."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.domain.activity import Intent
from buurt.domain.errors import IdempotencyKeyReused, PermissionDenied, RequestInProgress
from buurt.domain.idempotency import IdempotentRequest
from buurt.domain.places import Area
from buurt.services import idempotency
from buurt.services.context import Services
from buurt.services.publishing import intents
from buurt.testing import FrozenClock
from tests.unit.services.conftest import HOME, Neighbour

NEAR_HOME = Area(center=HOME, radius_m=800.0)


def _publish(services: Services, ada: Neighbour, circle_id: str, key: str = "k") -> Intent:
    keyed = idempotency.remembering(
        services,
        ada.principal,
        key,
        "fingerprint-1",
        kind=Intent,
        render=lambda intent: f'{{"id": "{intent.id}"}}',
        lifetime=timedelta(hours=24),
    )
    return intents.publish_intent(
        keyed, ada.principal, circle_id=circle_id, category="food/bread", area=NEAR_HOME
    )


def _stored(services: Services) -> list[IdempotentRequest]:
    with services.uow() as uow:
        return uow.repo(IdempotentRequest).find()


def test_the_answer_is_stored_with_the_record(
    services: Services, ada: Neighbour, circle_id: str
) -> None:
    intent = _publish(services, ada, circle_id)

    found = idempotency.recall(services, ada.principal, "k", "fingerprint-1")

    assert found is not None
    assert found.status == 201
    assert found.body == f'{{"id": "{intent.id}"}}'
    assert idempotency.recall(services, ada.principal, "other", "fingerprint-1") is None


def test_a_refused_create_stores_no_answer(
    services: Services, bob: Neighbour, circle_id: str
) -> None:
    with pytest.raises(PermissionDenied):
        _publish(services, bob, circle_id)  # Bob is no member of the circle

    assert _stored(services) == []


def test_another_request_under_the_key_is_refused(
    services: Services, ada: Neighbour, circle_id: str
) -> None:
    _publish(services, ada, circle_id)

    with pytest.raises(IdempotencyKeyReused):
        idempotency.recall(services, ada.principal, "k", "fingerprint-2")


def test_a_second_commit_under_the_key_rolls_back_with_its_record(
    services: Services, ada: Neighbour, circle_id: str
) -> None:
    _publish(services, ada, circle_id)

    with pytest.raises(RequestInProgress):
        _publish(services, ada, circle_id)

    with services.uow() as uow:
        assert len(uow.repo(Intent).find(member_id=ada.id)) == 1
    _publish(services, ada, circle_id, key="fresh")  # positive control
    with services.uow() as uow:
        assert len(uow.repo(Intent).find(member_id=ada.id)) == 2


def test_expired_answers_are_forgotten(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    _publish(services, ada, circle_id, key="old")
    clock.advance(timedelta(hours=12))
    _publish(services, ada, circle_id, key="new")
    clock.advance(timedelta(hours=12, seconds=1))

    assert idempotency.forget_expired(services) == 1

    assert [r.created_at for r in _stored(services)] == [
        clock.now() - timedelta(hours=12, seconds=1)
    ]
