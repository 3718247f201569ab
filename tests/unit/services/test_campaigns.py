"""Campaigns on the fakes: pledges by verified neighbours before the deadline, settled once
into orders and moments, or released."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.domain.access import AccessEntry
from buurt.domain.campaigns import CampaignStatus, Pledge, PledgeStatus, Settlement, ThresholdKind
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from buurt.domain.moments import Moment
from buurt.domain.orders import Order, OrderSource
from buurt.services.charter.retention import run_upkeep
from buurt.services.cocreation import campaigns, proposals, settlement
from buurt.services.community import businesses, circles
from buurt.services.context import Services
from buurt.testing import FrozenClock
from tests.unit.services.conftest import Neighbour, admit

WEEK = timedelta(days=7)


def _campaign(
    services: Services,
    clock: FrozenClock,
    owner: Neighbour,
    circle_id: str,
    threshold: int = 2,
    max_units: int | None = None,
) -> str:
    proposal = proposals.propose(
        services,
        owner.principal,
        circle_id=circle_id,
        title="Rye bread on Sundays",
        description="A sourdough rye, baked Sunday mornings.",
        category="food/bread",
    )
    bakery = businesses.create_business(
        services, owner.principal, circle_id=circle_id, name="Bakkerij", kind="bakery"
    )
    return campaigns.start(
        services,
        owner.principal,
        proposal_id=proposal.id,
        business_id=bakery.id,
        unit_price=4.5,
        threshold_kind=ThresholdKind.PLEDGES,
        threshold=threshold,
        deadline=clock.now() + WEEK,
        max_units=max_units,
    ).campaign.id


def _neighbour(services: Services, name: str, circle_id: str) -> Neighbour:
    who = Neighbour.register(services, name)
    admit(services, who, circle_id)
    return who


def test_a_met_threshold_turns_every_pledge_into_an_order_once(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    campaign_id = _campaign(services, clock, ada, circle_id)
    bob, cem = (_neighbour(services, n, circle_id) for n in ("Bob", "Cem"))
    campaigns.pledge(services, bob.principal, campaign_id, 2)
    campaigns.pledge(services, cem.principal, campaign_id, 1)
    assert settlement.settle_due(services) == []  # not due yet
    clock.advance(WEEK)
    upkeep = run_upkeep(services)
    assert [(s.id, s.succeeded, s.pledges, s.units) for s in upkeep.settled] == [
        (campaign_id, True, 2, 3)
    ]
    assert settlement.settle_due(services) == []  # exactly once
    assert settlement.settle(services, campaign_id, clock.now()) is None
    with services.uow() as uow:
        orders = uow.repo(Order).find(source_kind=OrderSource.PLEDGE)
        moments = uow.repo(Moment).find(source_id=campaign_id)
        pledges = uow.repo(Pledge).find(campaign_id=campaign_id)
        assert len(uow.repo(Settlement).find(id=campaign_id)) == 1
    assert sorted((o.member_id, o.quantity, o.total) for o in orders) == sorted(
        [(bob.id, 2, 9.0), (cem.id, 1, 4.5)]
    )
    assert sorted(m.recipient_id for m in moments) == sorted([bob.id, cem.id])
    assert {p.status for p in pledges} == {PledgeStatus.ORDERED}
    got = campaigns.get(services, bob.principal, campaign_id)
    assert (got.campaign.status, got.pledges, got.units) == (CampaignStatus.SUCCEEDED, 2, 3)
    with services.uow() as uow:  # the business now holds each pledger's purchase: logged
        logged = {
            e.member_id: e for e in uow.repo(AccessEntry).find(purpose=Purpose.SERVICE_DELIVERY)
        }
    assert set(logged) == {bob.id, cem.id}
    assert logged[bob.id].category is DataCategory.PURCHASE_HISTORY


def test_a_missed_threshold_releases_every_pledge_and_tells_the_pledgers(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    campaign_id = _campaign(services, clock, ada, circle_id, threshold=3)
    bob = _neighbour(services, "Bob", circle_id)
    campaigns.pledge(services, bob.principal, campaign_id, 5)
    clock.advance(WEEK)
    [settled] = settlement.settle_due(services)
    assert not settled.succeeded
    with services.uow() as uow:
        assert uow.repo(Order).find(source_kind=OrderSource.PLEDGE) == []
        [moment] = uow.repo(Moment).find(recipient_id=bob.id)
        [pledge] = uow.repo(Pledge).find(campaign_id=campaign_id)
        logged = uow.repo(AccessEntry).find(purpose=Purpose.SERVICE_DELIVERY)
    assert "released" in moment.reason
    assert pledge.status is PledgeStatus.RELEASED
    assert logged == []  # a released pledge is no purchase: nothing of it reached the business


def test_pledges_are_verified_single_bounded_and_closed_at_the_deadline(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    campaign_id = _campaign(services, clock, ada, circle_id, threshold=2, max_units=4)
    stranger = Neighbour.register(services, "Dirk")  # not admitted to the circle
    with pytest.raises(Exception, match="campaign"):
        campaigns.pledge(services, stranger.principal, campaign_id, 1)
    circles.join_circle(services, bob.principal, circle_id)  # a member, not yet verified
    with pytest.raises(PermissionDenied, match="verified"):
        campaigns.pledge(services, bob.principal, campaign_id, 3)
    admit(services, bob, circle_id)
    mine = campaigns.pledge(services, bob.principal, campaign_id, 3)
    with pytest.raises(Conflict):
        campaigns.pledge(services, bob.principal, campaign_id, 1)
    cem = _neighbour(services, "Cem", circle_id)
    with pytest.raises(InvalidTransition, match="only 1 units are left"):
        campaigns.pledge(services, cem.principal, campaign_id, 2)
    with pytest.raises(InvalidInput):
        campaigns.pledge(services, cem.principal, campaign_id, 0)
    campaigns.change_pledge(services, bob.principal, campaign_id, mine.id, 2)
    campaigns.pledge(services, cem.principal, campaign_id, 2)  # room after Bob's change
    campaigns.withdraw_pledge(services, bob.principal, campaign_id, mine.id)
    clock.advance(WEEK)
    with pytest.raises(InvalidTransition, match="deadline has passed"):
        campaigns.pledge(services, bob.principal, campaign_id, 1)
    cem_pledge = campaigns.my_pledges(services, cem.principal, campaign_id)[0]
    with pytest.raises(InvalidTransition):
        campaigns.withdraw_pledge(services, cem.principal, campaign_id, cem_pledge.id)


def test_only_the_business_runs_a_campaign_in_its_own_circle(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    circles.join_circle(services, bob.principal, circle_id)
    proposal = proposals.propose(
        services,
        bob.principal,
        circle_id=circle_id,
        title="Repair café",
        description="Monthly",
        category="services",
    )
    bakery = businesses.create_business(
        services, ada.principal, circle_id=circle_id, name="Bakkerij", kind="bakery"
    )
    values = {
        "proposal_id": proposal.id,
        "business_id": bakery.id,
        "unit_price": 0.0,
        "threshold_kind": ThresholdKind.UNITS,
        "threshold": 10,
        "deadline": clock.now() + WEEK,
    }
    with pytest.raises(PermissionDenied):
        campaigns.start(services, bob.principal, **values)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        campaigns.start(
            services,
            ada.principal,
            **{**values, "deadline": clock.now()},  # type: ignore[arg-type]
        )
    made = campaigns.start(services, ada.principal, **values)  # type: ignore[arg-type]
    assert made.campaign.threshold_kind is ThresholdKind.UNITS
    with pytest.raises(InvalidTransition):  # one campaign per proposal
        campaigns.start(services, ada.principal, **values)  # type: ignore[arg-type]
