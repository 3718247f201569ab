"""Where engine workers match (ADR 0017), an update of a followed proposal is committed as a
``ProposalUpdated`` and no follower's moment is made where the update is; the worker's steps
(``follower_pairs``, then ``admit_routed``) make them, once however often the update comes.

On the fakes: the instance's matcher stands in for the worker's, and the in-process bus
records what the use cases commit.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from buurt.bootstrap import Buurt
from buurt.domain.campaigns import ThresholdKind
from buurt.domain.events import DomainEvent, MomentCreated, ProposalUpdated
from buurt.domain.following import Update, UpdateKind
from buurt.domain.moments import Moment, StandingKind
from buurt.services.cocreation import campaigns, discussion, following, proposals, settlement
from buurt.services.community import businesses
from buurt.services.context import MatchedByWorkers, Services
from buurt.services.matching.handoff import candidates, from_bytes, to_bytes
from buurt.testing import FrozenClock
from tests.unit.services.conftest import Neighbour, admit


@pytest.fixture
def heard(instance: Buurt) -> list[DomainEvent]:
    found: list[DomainEvent] = []
    instance.services.bus.subscribe(DomainEvent, found.append)
    return found


@pytest.fixture
def services(instance: Buurt, heard: list[DomainEvent]) -> Services:
    """The instance's services as an API replica of a deployment with workers has them."""
    return replace(instance.services, matching=MatchedByWorkers(instance.matcher))


def _follower_moments(services: Services, who: Neighbour) -> list[Moment]:
    with services.uow() as uow:
        found = uow.repo(Moment).find(recipient_id=who.id)
    return [m for m in found if m.standing_kind is StandingKind.FOLLOW]


def _updates(heard: list[DomainEvent]) -> list[Update]:
    return [e.update for e in heard if isinstance(e, ProposalUpdated)]


def _proposal(services: Services, ada: Neighbour, circle_id: str) -> str:
    return proposals.propose(
        services,
        ada.principal,
        circle_id=circle_id,
        title="Rye bread on Sundays",
        description="Sourdough rye.",
        category="food/bread",
    ).id


def _as_the_worker(instance: Buurt, update: Update) -> list[Moment]:
    """What the worker that owns the circle's shard does with the update (``tell``)."""
    services, matcher = instance.services, instance.matcher
    with services.uow() as uow:
        at = services.clock.now()
        moments = matcher.admit_routed(uow, update, matcher.follower_pairs(uow, update, at), at)
        services.commit(uow, *(MomentCreated(m) for m in moments))
    return moments


def test_a_comment_commits_the_update_and_the_worker_tells_the_follower_once(
    instance: Buurt,
    services: Services,
    heard: list[DomainEvent],
    ada: Neighbour,
    bob: Neighbour,
    circle_id: str,
) -> None:
    admit(services, bob, circle_id)
    proposal_id = _proposal(services, ada, circle_id)
    following.follow(services, bob.principal, proposal_id=proposal_id)
    discussion.comment(services, ada.principal, proposal_id, "Caraway?")
    assert _follower_moments(services, bob) == []  # nothing made where the update was
    [update] = _updates(heard)
    assert (update.kind, update.proposal_id, update.by) == (
        UpdateKind.COMMENTED,
        proposal_id,
        ("member", ada.id),
    )
    [told] = _as_the_worker(instance, update)
    assert told.recipient_id == bob.id
    assert told.delivery_key == f"{update.id}/{told.standing_id}|member:{bob.id}"
    assert _as_the_worker(instance, update) == []  # delivered again: its key is stored
    assert len(_follower_moments(services, bob)) == 1


def test_a_settled_campaign_commits_its_update_for_the_followers(
    services: Services,
    heard: list[DomainEvent],
    clock: FrozenClock,
    ada: Neighbour,
    bob: Neighbour,
    circle_id: str,
) -> None:
    admit(services, bob, circle_id)
    cem = Neighbour.register(services, "Cem")
    admit(services, cem, circle_id)
    proposal_id = _proposal(services, ada, circle_id)
    following.follow(services, cem.principal, proposal_id=proposal_id)
    bakery = businesses.create_business(
        services, ada.principal, circle_id=circle_id, name="Bakkerij", kind="bakery"
    )
    campaign_id = campaigns.start(
        services,
        ada.principal,
        proposal_id=proposal_id,
        business_id=bakery.id,
        unit_price=4.5,
        threshold_kind=ThresholdKind.PLEDGES,
        threshold=1,
        deadline=clock.now() + timedelta(days=7),
    ).campaign.id
    campaigns.pledge(services, bob.principal, campaign_id, 2)
    clock.advance(timedelta(days=7))
    [settled] = settlement.settle_due(services)
    assert settled.succeeded
    assert [u.kind for u in _updates(heard)] == [
        UpdateKind.CAMPAIGN_OPENED,
        UpdateKind.CAMPAIGN_SETTLED,
    ]
    told = _updates(heard)[-1]
    assert (told.source_id, told.told) == (campaign_id, frozenset({bob.id}))
    assert _follower_moments(services, cem) == []  # the worker tells Cem
    with services.uow() as uow:  # the pledger's own moment is the settlement's, as before
        assert len(uow.repo(Moment).find(recipient_id=bob.id, source_id=campaign_id)) == 1


def test_with_the_owners_off_the_update_tells_its_followers_where_it_is_made(
    instance: Buurt, heard: list[DomainEvent], ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    """The control: ``BUURT_WORKER_OWNERS=false`` keeps the path before ADR 0017."""
    services = replace(
        instance.services, matching=MatchedByWorkers(instance.matcher, followers=False)
    )
    admit(services, bob, circle_id)
    proposal_id = _proposal(services, ada, circle_id)
    following.follow(services, bob.principal, proposal_id=proposal_id)
    discussion.comment(services, ada.principal, proposal_id, "Caraway?")
    assert len(_follower_moments(services, bob)) == 1
    assert _updates(heard) == []


def test_a_followers_candidate_crosses_to_its_owner_unchanged(
    instance: Buurt,
    services: Services,
    heard: list[DomainEvent],
    ada: Neighbour,
    bob: Neighbour,
    circle_id: str,
) -> None:
    """In a split circle the update's pairs go, as candidates, to each follower's owner."""
    admit(services, bob, circle_id)
    proposal_id = _proposal(services, ada, circle_id)
    following.follow(services, bob.principal, proposal_id=proposal_id)
    discussion.comment(services, ada.principal, proposal_id, "Caraway?")
    [update] = _updates(heard)
    with services.uow() as uow:
        pairs = instance.matcher.follower_pairs(uow, update, services.clock.now())
    [candidate] = candidates(update, pairs)
    assert candidate.recipient == ("member", bob.id)
    arrived = from_bytes(to_bytes(candidate))
    assert arrived == candidate
    assert isinstance(arrived.record, Update)
    assert arrived.ident == f"{update.id}/{pairs[0].standing.id}|member:{bob.id}"
