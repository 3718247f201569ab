"""The consent decision: the store's answer and the in-memory book's answer always agree."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.bootstrap import Buurt
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.parties import PartyKind
from buurt.services.consent.decision import Recipient, may_use
from tests.actors import World
from tests.timeline import MovingClock


def _both(
    instance: Buurt, recipient: Recipient, member: str, category: DataCategory
) -> tuple[bool, bool]:
    services = instance.services
    now = services.clock.now()
    with services.uow() as uow:
        stored = may_use(uow, recipient, member, category, Purpose.MATCHING, now) is not None
    mirrored = instance.consent_book.may_use(recipient, member, category, Purpose.MATCHING, now)
    return stored, mirrored is not None


def test_default_is_no_then_grant_then_revoke(world: World, instance: Buurt) -> None:
    bakery = Recipient(PartyKind.BUSINESS, world.bakery["id"])
    assert _both(instance, bakery, world.bob.id, DataCategory.INTENTS) == (False, False)

    grant = world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "intents",
            "purpose": "matching",
        },
    )
    assert _both(instance, bakery, world.bob.id, DataCategory.INTENTS) == (True, True)
    # the grant is for one category, one purpose and one recipient only
    assert _both(instance, bakery, world.bob.id, DataCategory.LOCATION) == (False, False)
    other = Recipient(PartyKind.BUSINESS, "biz_someone_else")
    assert _both(instance, other, world.bob.id, DataCategory.INTENTS) == (False, False)
    assert _both(instance, bakery, world.ann.id, DataCategory.INTENTS) == (False, False)

    assert world.bob.delete(f"/v1/consents/{grant['id']}").status_code == 200
    assert _both(instance, bakery, world.bob.id, DataCategory.INTENTS) == (False, False)


@pytest.mark.frozen_clock
def test_a_grant_allows_until_it_expires_then_nothing(
    world: World, instance: Buurt, clock: MovingClock
) -> None:
    bakery = Recipient(PartyKind.BUSINESS, world.bakery["id"])
    expires = clock.now() + timedelta(hours=1)
    world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "location",
            "purpose": "matching",
            "expires_at": expires.isoformat(),
        },
    )
    assert _both(instance, bakery, world.bob.id, DataCategory.LOCATION) == (True, True)
    clock.at = expires - timedelta(seconds=1)
    assert _both(instance, bakery, world.bob.id, DataCategory.LOCATION) == (True, True)
    clock.at = expires
    assert _both(instance, bakery, world.bob.id, DataCategory.LOCATION) == (False, False)
    clock.advance(days=30)
    assert _both(instance, bakery, world.bob.id, DataCategory.LOCATION) == (False, False)
