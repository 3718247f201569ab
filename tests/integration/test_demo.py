"""The demo neighbourhood seeded into a real SQLite file through the services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console

from buurt.bootstrap import Buurt, build
from buurt.config import Settings
from buurt.demo import CIRCLE_NAME, DemoSeedError, DemoSummary, seed
from buurt.demo.catalogue import SCENE_INVERTER
from buurt.demo.life import NEED_EVERY, OFFER_EVERY, DemoLife
from buurt.demo.people import DEMO_EMAIL
from buurt.demo.sunny_noon import SUNNY_EVERY, DemoThingLink
from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.automations import Automation
from buurt.domain.campaigns import Campaign, CampaignStatus, Pledge
from buurt.domain.cocreation import Comment, Proposal
from buurt.domain.community import Business, Circle, Member, Site, Thing, ThingKind
from buurt.domain.consent import ConsentGrant
from buurt.domain.following import Follow
from buurt.domain.moments import Moment
from buurt.domain.orders import Order, OrderStatus
from buurt.domain.parties import PartyKind
from buurt.domain.places import Boundary, Place
from buurt.domain.reviews import Review
from buurt.services.cocreation import reviews
from buurt.services.community import auth, circles, members
from buurt.services.community.auth import AuthenticationFailed
from buurt.services.consent import grants
from tests.timeline import START, MovingClock

# Hashing 52 passwords with argon2 takes ~10 s. The seeded instance is one per module: on one
# worker, or each worker given a test of it would seed its own.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Buurt, DemoSummary]]:
    path = tmp_path_factory.mktemp("demo") / "d.db"
    # The demo's windows ("today 9-18", "tomorrow 7-9") and its day of readings are made
    # from now: a fixed now makes the same neighbourhood at whatever hour the tests run.
    instance = build(
        Settings(database_url=f"sqlite:///{path}"),
        clock=MovingClock(START),
        local_link=DemoThingLink(),
    )
    try:
        yield instance, seed(instance.services)
    finally:
        instance.close()


def _link(instance: Buurt) -> DemoThingLink:
    assert isinstance(instance.local_link, DemoThingLink)
    return instance.local_link


def _boundary(instance: Buurt, circle_id: str) -> Boundary:
    with instance.services.uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
    assert circle is not None
    return circle.boundary


def test_seed_gives_the_promised_neighbourhood(seeded: tuple[Buurt, DemoSummary]) -> None:
    _, summary = seeded
    assert summary.created
    assert summary.circle_name == CIRCLE_NAME
    assert summary.members >= 50
    assert summary.businesses >= 10
    assert summary.things >= 30
    assert summary.thing_kinds >= 5
    assert summary.events > 500
    assert summary.intents >= 10
    assert summary.offers >= 10
    assert summary.subscriptions >= 10
    assert summary.consents >= 5
    assert summary.proposals >= 5
    assert (summary.campaigns, summary.pledges) == (1, 7)
    assert summary.reviews >= 3


def test_proposals_have_support_and_discussion_and_one_campaign_runs(
    seeded: tuple[Buurt, DemoSummary],
) -> None:
    instance, summary = seeded
    with instance.services.uow() as uow:
        found = uow.repo(Proposal).find(circle_id=summary.circle_id)
        said = {p.id: uow.repo(Comment).find(proposal_id=p.id) for p in found}
        [campaign] = uow.repo(Campaign).find(circle_id=summary.circle_id)
        pledges = uow.repo(Pledge).find(campaign_id=campaign.id)
        demo = uow.repo(Member).find(email=DEMO_EMAIL)[0]
        followed = uow.repo(Follow).find(member_id=demo.id)
    assert {p.author_kind for p in found} == {PartyKind.MEMBER, PartyKind.BUSINESS}
    assert all(p.support_count >= 1 for p in found)
    assert sum(len(c) for c in said.values()) >= 5
    assert any(c.parent_id is not None for c in said.values() for c in c)  # a reply
    assert campaign.status is CampaignStatus.OPEN
    assert campaign.deadline > START  # still running
    assert sum(p.quantity for p in pledges) < campaign.threshold  # and worth pledging to
    assert {f.proposal_id for f in followed} == {campaign.proposal_id, None}


def test_reviews_are_of_collected_orders_and_rate_their_businesses(
    seeded: tuple[Buurt, DemoSummary],
) -> None:
    instance, summary = seeded
    with instance.services.uow() as uow:
        written = uow.repo(Review).find(circle_id=summary.circle_id)
        fulfilled = [uow.repo(Order).get(r.fulfilment_id) for r in written]
    assert [o.status for o in fulfilled if o is not None] == [OrderStatus.COLLECTED] * len(written)
    for order, review in zip(fulfilled, written, strict=True):
        assert order is not None
        assert order.member_id == review.member_id
    assert any(r.answer for r in written)
    ratings = reviews.ratings(instance.services, {r.business_id for r in written})
    assert all(rating.count >= 1 for rating in ratings.values())


def test_every_business_has_one_or_two_sites_inside_the_boundary(
    seeded: tuple[Buurt, DemoSummary],
) -> None:
    instance, summary = seeded
    boundary = _boundary(instance, summary.circle_id)
    assert 12 <= len(boundary.polygon) <= 20
    with instance.services.uow() as uow:
        shops = uow.repo(Business).find(circle_id=summary.circle_id)
        sites = {b.name: uow.repo(Site).find(business_id=b.id) for b in shops}
    assert len(shops) >= 10
    for name, found in sites.items():
        assert 1 <= len(found) <= 2, name
        for site in found:
            assert boundary.contains(site.place), (name, site.address)
            assert site.address.endswith("Amsterdam")


def test_things_have_owners_and_a_day_of_fitting_readings(
    seeded: tuple[Buurt, DemoSummary],
) -> None:
    instance, summary = seeded
    boundary = _boundary(instance, summary.circle_id)
    expected = {
        ThingKind.SOLAR_INVERTER: {"power_w", "energy_wh"},
        ThingKind.PARKING_SENSOR: {"occupied"},
        ThingKind.FRIDGE: {"item", "level"},
        ThingKind.CARGO_BIKE: {"available", "battery_pct"},
        ThingKind.AIR_QUALITY: {"pm25", "no2"},
    }
    with instance.services.uow() as uow:
        found = uow.repo(Thing).find(circle_id=summary.circle_id)
        readings = {t.id: uow.repo(Event).find(source_id=t.id) for t in found}
    assert {t.kind for t in found} >= set(expected)
    assert {t.owner_kind.value for t in found} == {"member", "business", "circle"}
    assert len({t.visibility for t in found}) == 3
    for thing in found:
        assert boundary.contains(thing.place), thing.name
        events = readings[thing.id]
        assert events, thing.name
        span = max(e.occurred_at for e in events) - min(e.occurred_at for e in events)
        if thing.kind not in (ThingKind.PARKING_SENSOR, ThingKind.FRIDGE):
            assert span.total_seconds() >= 22 * 3600, thing.name
        for event in events:
            assert expected.get(thing.kind, set()) <= set(event.attributes), thing.name
        latest = max(events, key=lambda e: e.occurred_at)
        assert thing.state == {**thing.state, **latest.attributes}
    solar = [e for t in found if t.kind is ThingKind.SOLAR_INVERTER for e in readings[t.id]]
    assert min(e.attributes["power_w"] for e in solar) == 0  # the night
    assert max(e.attributes["power_w"] for e in solar) > 0


def test_seeding_again_changes_no_counts_and_issues_a_new_token(
    seeded: tuple[Buurt, DemoSummary],
) -> None:
    instance, first = seeded
    again = seed(instance.services)
    assert not again.created
    assert again.counts() == first.counts()
    assert again.circle_id == first.circle_id
    assert again.demo_token != first.demo_token
    with instance.services.uow() as uow:
        assert len(uow.repo(Circle).find(name=CIRCLE_NAME)) == 1


def test_the_demo_member_logs_in_with_the_printed_password(
    seeded: tuple[Buurt, DemoSummary],
) -> None:
    instance, summary = seeded
    services = instance.services
    _, secret = auth.log_in(services, summary.demo_email, summary.demo_password, "test")
    principal = auth.authenticate(services, secret)
    assert summary.circle_id in principal.circles
    assert auth.authenticate(services, summary.demo_token).id == principal.id
    with pytest.raises(AuthenticationFailed):
        auth.log_in(services, summary.demo_email, "not the password", "test")


def test_the_admin_administers_the_circle(seeded: tuple[Buurt, DemoSummary]) -> None:
    instance, summary = seeded
    _, secret = auth.log_in(instance.services, summary.admin_email, summary.admin_password, "t")
    assert summary.circle_id in auth.authenticate(instance.services, secret).admin_of


def test_the_panel_shows_where_and_how_to_log_in(seeded: tuple[Buurt, DemoSummary]) -> None:
    _, summary = seeded
    console = Console(record=True, width=120)
    console.print(summary.render(Settings(host="0.0.0.0", port=8123)))
    text = console.export_text()
    assert "http://127.0.0.1:8123" in text
    assert "http://127.0.0.1:8123/docs" in text
    for shown in (summary.demo_email, summary.demo_password, summary.admin_email):
        assert shown in text
    assert summary.admin_password in text
    assert f"Authorization: Bearer {summary.demo_token}" in text
    assert "curl -s http://127.0.0.1:8123/v1/members/me" in text


def test_a_circle_of_the_same_name_that_is_not_a_finished_demo_is_refused(
    tmp_path: Path,
) -> None:
    instance = build(Settings(database_url=f"sqlite:///{tmp_path}/other.db"))
    try:
        services = instance.services
        member = members.register_member(
            services,
            name="Someone",
            email="someone@example.org",
            password="a password",
            circle_id=None,
        )
        with services.uow() as uow:
            _, secret = auth.issue_token(
                uow, PartyKind.MEMBER, member.id, "t", services.clock.now()
            )
            uow.commit()
        circles.create_circle(
            services,
            auth.authenticate(services, secret),
            name=CIRCLE_NAME,
            boundary=Boundary(polygon=(Place(52.0, 4.0), Place(52.0, 4.1), Place(52.1, 4.1))),
            timezone="Europe/Amsterdam",
        )
        with pytest.raises(DemoSeedError):
            seed(services)
    finally:
        instance.close()


def test_the_shopkeeper_shown_owns_that_business(seeded: tuple[Buurt, DemoSummary]) -> None:
    instance, summary = seeded
    _, secret = auth.log_in(
        instance.services, summary.shopkeeper_email, summary.neighbour_password, "t"
    )
    principal = auth.authenticate(instance.services, secret)
    with instance.services.uow() as uow:
        owned = [uow.repo(Business).get(b) for b in principal.businesses]
    assert [b.name for b in owned if b is not None] == [summary.shopkeeper_business]


def test_the_neighbourhood_lives_while_the_demo_runs(seeded: tuple[Buurt, DemoSummary]) -> None:
    instance, _summary = seeded
    services = instance.services

    def counts() -> tuple[int, int, int, int]:
        with services.uow() as uow:
            demo = uow.repo(Member).find(email=DEMO_EMAIL)[0]
            return (
                uow.repo(Event).count(),
                uow.repo(Intent).count(),
                uow.repo(Offer).count(),
                uow.repo(Moment).count(subject_member_id=demo.id)
                + uow.repo(Moment).count(recipient_id=demo.id),
            )

    before = counts()
    life = DemoLife(services, 0, _link(instance))
    happened = [line for _ in range(NEED_EVERY * OFFER_EVERY) for line in life.tick()]
    after = counts()

    assert after[0] >= before[0] + NEED_EVERY * OFFER_EVERY  # a reading every tick
    assert after[1] > before[1]  # neighbours asked
    assert after[2] > before[2]  # shops offered
    assert after[3] > before[3]  # and the demo member heard of it, as a moment
    assert any("offered" in line for line in happened)


def test_a_sunny_noon_starts_the_demo_members_charger_under_the_neighbours_grant(
    seeded: tuple[Buurt, DemoSummary],
) -> None:
    instance, _summary = seeded
    services = instance.services
    clock = services.clock
    assert isinstance(clock, MovingClock)
    frozen = clock.at
    # 22:00 in Amsterdam: an hour no earlier test spent the demo member's moments in (caps
    # count per hour), and dark, so no other roof's surplus fires the rule meanwhile.
    clock.at = frozen + timedelta(hours=12)
    try:
        with services.uow() as uow:
            demo = uow.repo(Member).find(email=DEMO_EMAIL)[0]
            [inverter] = uow.repo(Thing).find(name=SCENE_INVERTER)
            [charger] = uow.repo(Thing).find(owner_id=demo.id, kind=ThingKind.EV_CHARGER)
            [rule] = uow.repo(Automation).find(member_id=demo.id)
            [grant] = uow.repo(ConsentGrant).find(recipient_id=demo.id, thing_id=inverter.id)

        def from_inverter() -> list[Moment]:
            with services.uow() as uow:
                mine = uow.repo(Moment).find(recipient_id=demo.id)
                return [
                    m
                    for m in mine
                    if (e := uow.repo(Event).get(m.source_id)) and e.source_id == inverter.id
                ]

        def charging() -> list[Event]:
            with services.uow() as uow:
                found = uow.repo(Event).find(source_id=charger.id)
            return [e for e in found if e.occurred_at == clock.at and e.attributes["charging"]]

        link = _link(instance)
        life = DemoLife(services, 0, link)
        before = len(from_inverter())
        happened = life.tick()  # the first tick is a sunny noon

        assert rule.thing_id == charger.id
        *_, moment = from_inverter()
        assert len(from_inverter()) == before + 1
        assert "power_w" in moment.reason
        with services.uow() as uow:
            fired = uow.repo(Automation).get(rule.id)
        assert fired is not None
        assert fired.fired_count == rule.fired_count + 1
        assert link.is_charging(charger.id, clock.at)
        assert len(charging()) == 1
        assert f"{charger.name} started charging" in happened

        # Without the neighbour's grant, the next sunny noon reaches no rule.
        owner = auth.acting_party(services, PartyKind.MEMBER, grant.member_id, "test")
        grants.revoke(services, owner, grant.id)
        clock.at += timedelta(hours=2)
        later = [line for _ in range(SUNNY_EVERY - 1) for line in life.tick()]
        assert any(line.startswith("sunny noon") for line in later)  # it did shine
        assert len(from_inverter()) == before + 1
        with services.uow() as uow:
            after = uow.repo(Automation).get(rule.id)
        assert after is not None
        assert after.fired_count == fired.fired_count
        assert not link.is_charging(charger.id, clock.at)
    finally:
        clock.at = frozen
