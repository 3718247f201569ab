"""Granting consent to a business, and revoking it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.domain.community import Business
from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.errors import Conflict, NotFound
from buurt.domain.parties import PartyKind
from buurt.services.community import businesses, circles
from buurt.services.consent import grants
from buurt.services.consent.decision import Recipient, may_use
from buurt.services.context import Services
from buurt.testing import FrozenClock
from tests.unit.services.conftest import START, Neighbour


@pytest.fixture
def bakery(services: Services, ada: Neighbour, circle_id: str) -> Business:
    return businesses.create_business(
        services, ada.principal, circle_id=circle_id, name="Bakkerij Ada", kind="bakery"
    )


@pytest.fixture
def consent(services: Services, bob: Neighbour, circle_id: str, bakery: Business) -> ConsentGrant:
    circles.join_circle(services, bob.principal, circle_id)
    return grants.grant(
        services,
        bob.principal,
        recipient_kind=PartyKind.BUSINESS,
        recipient_id=bakery.id,
        category=DataCategory.INTENTS,
        purpose=Purpose.MATCHING,
    )


def test_a_grant_lets_the_business_use_the_data_until_it_is_revoked(
    services: Services, clock: FrozenClock, bob: Neighbour, bakery: Business, consent: ConsentGrant
) -> None:
    assert _allowed(services, bob, bakery) == consent.id

    clock.advance(timedelta(minutes=30))
    revoked = grants.revoke(services, bob.principal, consent.id)

    assert revoked.revoked_at == START + timedelta(minutes=30)
    assert _allowed(services, bob, bakery) is None


def test_revoking_again_keeps_the_first_revocation(
    services: Services, clock: FrozenClock, bob: Neighbour, consent: ConsentGrant
) -> None:
    grants.revoke(services, bob.principal, consent.id)
    clock.advance(timedelta(days=1))

    again = grants.revoke(services, bob.principal, consent.id)

    assert again.revoked_at == START


def test_a_revoked_grant_cannot_be_changed(
    services: Services, clock: FrozenClock, bob: Neighbour, consent: ConsentGrant
) -> None:
    grants.revoke(services, bob.principal, consent.id)

    with pytest.raises(Conflict, match="revoked"):
        grants.update_grant(
            services, bob.principal, consent.id, {"expires_at": START + timedelta(days=7)}
        )


def test_only_the_member_revokes_their_grant(
    services: Services, ada: Neighbour, bob: Neighbour, bakery: Business, consent: ConsentGrant
) -> None:
    with pytest.raises(NotFound):
        grants.revoke(services, ada.principal, consent.id)

    assert _allowed(services, bob, bakery) == consent.id


def test_a_grant_to_a_business_that_does_not_exist_is_not_found(
    services: Services, bob: Neighbour
) -> None:
    with pytest.raises(NotFound):
        grants.grant(
            services,
            bob.principal,
            recipient_kind=PartyKind.BUSINESS,
            recipient_id="biz_missing",
            category=DataCategory.INTENTS,
            purpose=Purpose.MATCHING,
        )


def _allowed(services: Services, member: Neighbour, business: Business) -> str | None:
    """The id of the live grant by which the business may match the member's intents."""
    recipient = Recipient(PartyKind.BUSINESS, business.id)
    with services.uow() as uow:
        found = may_use(
            uow,
            recipient,
            member.id,
            DataCategory.INTENTS,
            Purpose.MATCHING,
            services.clock.now(),
        )
    return None if found is None else found.id
