"""Publishing an intent and changing it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.domain.activity import Intent, IntentStatus
from buurt.domain.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from buurt.domain.places import Area
from buurt.services import resources
from buurt.services.community import circles
from buurt.services.context import Services
from buurt.services.publishing import intents
from buurt.testing import FrozenClock
from tests.unit.services.conftest import HOME, START, Neighbour

NEAR_HOME = Area(center=HOME, radius_m=800.0)


@pytest.fixture
def bread(services: Services, ada: Neighbour, circle_id: str) -> Intent:
    return intents.publish_intent(
        services,
        ada.principal,
        circle_id=circle_id,
        category="food/bread",
        area=NEAR_HOME,
        text="Zuurdesem voor vanavond",
        window_start=START,
        window_end=START + timedelta(hours=10),
        max_price=4.5,
    )


def test_a_published_intent_is_stored_open_under_its_owner(
    services: Services, ada: Neighbour, bread: Intent
) -> None:
    stored = resources.get(services, ada.principal, Intent, intents.POLICY, bread.id)

    assert stored == bread
    assert stored.status is IntentStatus.OPEN
    assert (stored.member_id, stored.created_at) == (ada.id, START)


def test_only_a_member_of_the_circle_publishes_in_it(
    services: Services, bob: Neighbour, circle_id: str
) -> None:
    with pytest.raises(PermissionDenied):
        intents.publish_intent(
            services, bob.principal, circle_id=circle_id, category="food", area=NEAR_HOME
        )

    circles.join_circle(services, bob.principal, circle_id)
    intents.publish_intent(
        services, bob.principal, circle_id=circle_id, category="food", area=NEAR_HOME
    )


def test_the_owner_changes_an_intent_and_the_change_is_stored(
    services: Services, clock: FrozenClock, ada: Neighbour, bread: Intent
) -> None:
    clock.advance(timedelta(hours=1))
    later = START + timedelta(hours=12)

    intents.update_intent(
        services, ada.principal, bread.id, {"text": "Desem, morgen ook goed", "window_end": later}
    )

    stored = resources.get(services, ada.principal, Intent, intents.POLICY, bread.id)
    assert (stored.text, stored.window_end) == ("Desem, morgen ook goed", later)
    assert stored.created_at == START


def test_a_withdrawn_intent_cannot_open_again(
    services: Services, ada: Neighbour, bread: Intent
) -> None:
    intents.update_intent(services, ada.principal, bread.id, {"status": IntentStatus.WITHDRAWN})

    with pytest.raises(InvalidTransition):
        intents.update_intent(services, ada.principal, bread.id, {"status": IntentStatus.OPEN})

    stored = resources.get(services, ada.principal, Intent, intents.POLICY, bread.id)
    assert stored.status is IntentStatus.WITHDRAWN


def test_a_change_that_breaks_a_rule_is_not_stored(
    services: Services, ada: Neighbour, bread: Intent
) -> None:
    with pytest.raises(InvalidInput):
        intents.update_intent(services, ada.principal, bread.id, {"window_end": START})

    stored = resources.get(services, ada.principal, Intent, intents.POLICY, bread.id)
    assert stored.window_end == START + timedelta(hours=10)


def test_another_member_neither_sees_nor_changes_an_intent(
    services: Services, bob: Neighbour, circle_id: str, bread: Intent
) -> None:
    circles.join_circle(services, bob.principal, circle_id)

    with pytest.raises(NotFound):
        resources.get(services, bob.principal, Intent, intents.POLICY, bread.id)
    with pytest.raises(NotFound):
        intents.update_intent(services, bob.principal, bread.id, {"text": "mine now"})
    page = resources.list_page(services, bob.principal, Intent, intents.POLICY)
    assert page.items == []
