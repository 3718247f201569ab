"""The after-commit webhook handler goes to the store only for recipients with an endpoint:
every process of a deployment hears every moment, and most recipients have none."""

from __future__ import annotations

from datetime import UTC, datetime

from buurt.domain.events import MomentCreated
from buurt.domain.moments import Moment, MomentStatus, PublicationKind, StandingKind
from buurt.domain.parties import PartyKind
from buurt.domain.webhooks import WebhookDelivery, WebhookEndpoint
from buurt.services.webhooks.deliveries import EndpointOwners, MomentWebhooks
from buurt.testing import FrozenClock, MemoryStore, MemoryUnitOfWork

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


class CountingStore:
    """A memory store that counts the units of work opened on it."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.opened = 0

    def __call__(self) -> MemoryUnitOfWork:
        self.opened += 1
        return self.store()


def _moment(recipient_id: str) -> Moment:
    return Moment(
        id=f"moment_{recipient_id}",
        circle_id="circle_1",
        recipient_kind=PartyKind.BUSINESS,
        recipient_id=recipient_id,
        source_kind=PublicationKind.INTENT,
        source_id="intent_1",
        standing_kind=StandingKind.OFFER,
        standing_id="offer_1",
        reason="Fresh sourdough 300 m from you",
        status=MomentStatus.DELIVERED,
        created_at=NOW,
        updated_at=NOW,
    )


def _endpoint(store: CountingStore, owner_id: str) -> str:
    with store.store() as uow:
        uow.repo(WebhookEndpoint).add(
            WebhookEndpoint(
                id=f"endpoint_{owner_id}",
                owner_kind=PartyKind.BUSINESS,
                owner_id=owner_id,
                url="https://example.org/hook",
                topics=["moment.created"],
                secret="s",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        uow.commit()
    return f"endpoint_{owner_id}"


def _handler(store: CountingStore, owners: EndpointOwners, woken: list[str]) -> MomentWebhooks:
    return MomentWebhooks(store, FrozenClock(NOW), woken.append, owners)


def test_a_recipient_without_an_endpoint_costs_no_unit_of_work() -> None:
    store, owners = CountingStore(), EndpointOwners()
    woken: list[str] = []
    _handler(store, owners, woken)(MomentCreated(_moment("bakery")))
    assert (store.opened, woken) == (0, [])


def test_an_endpoint_heard_of_is_enqueued_for_and_woken() -> None:
    """The positive control: the same handler, once the endpoint's change is heard."""
    store, owners = CountingStore(), EndpointOwners()
    woken: list[str] = []
    endpoint_id = _endpoint(store, "bakery")
    with store.store() as uow:
        owners.changed(uow, endpoint_id)
    _handler(store, owners, woken)(MomentCreated(_moment("bakery")))
    assert woken == [endpoint_id]
    with store.store() as uow:
        [delivery] = uow.repo(WebhookDelivery).find(endpoint_id=endpoint_id)
    assert delivery.topic == "moment.created"


def test_the_owners_of_stored_endpoints_are_loaded_at_start() -> None:
    store, owners = CountingStore(), EndpointOwners()
    woken: list[str] = []
    endpoint_id = _endpoint(store, "bakery")
    with store.store() as uow:
        owners.load(uow)
    assert (PartyKind.BUSINESS, "bakery") in owners
    assert (PartyKind.BUSINESS, "florist") not in owners
    _handler(store, owners, woken)(MomentCreated(_moment("bakery")))
    assert woken == [endpoint_id]
