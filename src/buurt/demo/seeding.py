"""Seed the demo neighbourhood through the use cases, so every rule of the services applies.

Principals are obtained the way any client gets one: each account is registered, a token is
issued for it and ``authenticate`` resolves the token to a ``Principal``. The seeding tokens
expire after half an hour and their secrets are never shown; things publish their readings
with a token issued by their owner. Reads (finding an earlier demo, counting) go through the
unit of work; every write goes through a service.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import datetime, timedelta

from buurt.adapters.passwords import Argon2Passwords
from buurt.demo import admitting, catalogue, people, sunny_noon, wishes
from buurt.demo.cocreation import seed_cocreation
from buurt.demo.places import BOUNDARY, CENTRE, TIMEZONE, Address, address, local_zone
from buurt.demo.readings import EVENT_KIND, day_of_readings
from buurt.demo.stock import seed_stock
from buurt.demo.summary import DemoSummary
from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.campaigns import Campaign, Pledge
from buurt.domain.cocreation import Proposal
from buurt.domain.community import Business, Circle, Member, Membership, Site, Thing
from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.errors import Conflict
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Place
from buurt.domain.reviews import Review
from buurt.services.community import auth, businesses, circles, members
from buurt.services.consent import grants
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import events, intents, offers, subscriptions
from buurt.services.things import registry

SEED = 20_261_123
CIRCLE_NAME = "Indische Buurt"
DESCRIPTION = (
    "The Indische Buurt in Amsterdam-Oost: neighbours, shops, makers and connected things "
    "meeting in business moments. A demo neighbourhood seeded by `buurt demo`."
)
# The circle carries this description until seeding has finished: a later run that finds it
# knows the earlier one was interrupted.
UNFINISHED = DESCRIPTION + " (seeding...)"
TOKEN_LIFETIME = timedelta(minutes=30)
SEEDING_LABEL = "demo seeding"
LOG_IN_LABEL = "buurt demo"


class DemoSeedError(Conflict):
    """The database holds a circle named like the demo one that is not a finished demo."""


def seed(services: Services) -> DemoSummary:
    """Seed the demo neighbourhood once; later runs only log the demo member in again."""
    started = time.perf_counter()
    circle = find_demo_circle(services)
    created = circle is None
    if circle is None:
        circle = _Seeder(services).run()
    elif circle.description != DESCRIPTION:
        raise DemoSeedError(
            f"a circle named {CIRCLE_NAME!r} exists but is not a finished demo neighbourhood "
            "(an interrupted seed, or a circle of your own): use a fresh database"
        )
    _, secret = auth.log_in(services, people.DEMO_EMAIL, people.DEMO_PASSWORD, LOG_IN_LABEL)
    return _summary(services, circle, created, secret, time.perf_counter() - started)


def find_demo_circle(services: Services) -> Circle | None:
    with services.uow() as uow:
        found = uow.repo(Circle).find(name=CIRCLE_NAME)
    return found[0] if found else None


class _Seeder:
    """One seeding run. *Who* keys (see ``catalogue``) name the accounts that act."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.cheap = replace(services, passwords=Argon2Passwords("CHEAPEST"))
        self.now = services.clock.now()
        self.zone = local_zone()
        self.members: dict[str, Member] = {}
        self.homes: dict[str, Place] = {}
        self.addresses: dict[str, str] = {}
        self.secrets: dict[str, str] = {}
        self.principals: dict[str, Principal] = {}
        self.businesses: dict[str, Business] = {}
        self.first_site: dict[str, Place] = {}
        self.circle_id = ""

    def run(self) -> Circle:
        admin_home = address("Javastraat", 71)
        self._register(
            "admin", people.ADMIN_NAME, people.ADMIN_EMAIL, people.ADMIN_PASSWORD, admin_home
        )
        circle = circles.create_circle(
            self.services,
            self.principal("admin", fresh=True),
            name=CIRCLE_NAME,
            boundary=BOUNDARY,
            timezone=TIMEZONE,
            description=UNFINISHED,
        )
        self.circle_id = circle.id
        self.principal("admin", fresh=True)
        self._register_residents()
        residents = [(who, self.addresses[who]) for who in self.members if who != "admin"]
        admitting.admit_all(
            self.services, circle.id, self.principal("admin"), residents, self.principal
        )
        for spec in catalogue.BUSINESSES:
            self._business(spec)
        for thing in catalogue.THINGS:
            self._thing(thing)
        # Stock before needs: a need published finds what the shops nearby have.
        seed_stock(self.services, self.businesses, self.principal, self.now)
        for intent in wishes.INTENTS:
            self._intent(intent)
        for offer in wishes.OFFERS:
            self._offer(offer)
        for subscription in wishes.SUBSCRIPTIONS:
            self._subscription(subscription)
        for grant in wishes.LOCATION_GRANTS:
            self._grant(grant.who, grant.business, grant.category, grant.days)
        sunny_noon.seed_scene(
            self.services, self.principal("demo"), self.principal(catalogue.SCENE_NEIGHBOUR)
        )
        seed_cocreation(
            self.services, self.principal, self.members, self.businesses, circle.id, self.now
        )
        return circles.update_circle(
            self.services, self.principal("admin"), circle.id, {"description": DESCRIPTION}
        )

    # -- accounts ---------------------------------------------------------------------------

    def _register_residents(self) -> None:
        residents = _residents()
        homes = {f"n{i}": n.home for i, n in enumerate(residents)}
        for thing in catalogue.THINGS:  # a neighbour's things are at their home
            if thing.owner in homes:
                homes[thing.owner] = address(thing.street, thing.number)
        demo_home = address(*catalogue.DEMO_HOME)
        self._register("demo", people.DEMO_NAME, people.DEMO_EMAIL, people.DEMO_PASSWORD, demo_home)
        for i, neighbour in enumerate(residents):
            who = f"n{i}"
            self._register(
                who, neighbour.name, neighbour.email, people.NEIGHBOUR_PASSWORD, homes[who]
            )

    def _register(self, who: str, name: str, email: str, password: str, home: Address) -> None:
        circle_id = self.circle_id or None
        # Fifty generated neighbours share one known password, so their hashes use argon2's
        # cheapest profile; logging in re-hashes with the standard profile (see auth.log_in).
        hashing = self.services if who in ("admin", "demo") else self.cheap
        self.members[who] = members.register_member(
            hashing, name=name, email=email, password=password, circle_id=circle_id
        )
        self.homes[who] = home.place
        self.addresses[who] = home.text

    def principal(self, who: str, *, fresh: bool = False) -> Principal:
        """The principal acting for ``who``: a member, or the owner of a business key."""
        if who in self.businesses:
            who = self._owner_key(who)
        if who not in self.secrets:
            with self.services.uow() as uow:
                _, self.secrets[who] = auth.issue_token(
                    uow,
                    PartyKind.MEMBER,
                    self.members[who].id,
                    SEEDING_LABEL,
                    self.now,
                    self.now + TOKEN_LIFETIME,
                )
                uow.commit()
        if fresh or who not in self.principals:
            self.principals[who] = auth.authenticate(self.services, self.secrets[who])
        return self.principals[who]

    def _owner_key(self, business_key: str) -> str:
        return next(s.owner for s in catalogue.BUSINESSES if s.key == business_key)

    # -- businesses and things --------------------------------------------------------------

    def _business(self, spec: catalogue.BusinessSpec) -> None:
        business = businesses.create_business(
            self.services,
            self.principal(spec.owner),
            circle_id=self.circle_id,
            name=spec.name,
            kind=spec.kind,
            description=spec.description,
        )
        self.businesses[spec.key] = business
        owner = self.principal(spec.owner, fresh=True)  # now acting for the business too
        for site in spec.sites:
            where = address(site.street, site.number)
            businesses.add_site(
                self.services,
                owner,
                business.id,
                name=site.name,
                place=where.place,
                address=where.text,
            )
            self.first_site.setdefault(spec.key, where.place)

    def _owner(self, who: str) -> tuple[Principal, PartyKind, str]:
        if who == "circle":
            return self.principal("admin"), PartyKind.CIRCLE, self.circle_id
        if who in self.businesses:
            return self.principal(who), PartyKind.BUSINESS, self.businesses[who].id
        return self.principal(who), PartyKind.MEMBER, self.members[who].id

    def _thing(self, spec: catalogue.ThingSpec) -> None:
        acting, owner_kind, owner_id = self._owner(spec.owner)
        place = address(spec.street, spec.number).place
        thing = registry.register_thing(
            self.services,
            acting,
            circle_id=self.circle_id,
            kind=spec.kind,
            name=spec.name,
            place=place,
            visibility=spec.visibility,
            owner_kind=owner_kind,
            owner_id=owner_id,
        )
        _, secret = auth.issue_principal_token(
            self.services,
            acting,
            PartyKind.THING,
            thing.id,
            SEEDING_LABEL,
            self.now + TOKEN_LIFETIME,
        )
        rng = random.Random(f"{SEED}:{spec.name}")  # noqa: S311 - one stream per thing
        readings = day_of_readings(spec.kind, self.now, self.zone, rng, spec.size, place)
        drafts = [
            {"kind": EVENT_KIND[spec.kind], "attributes": attributes, "occurred_at": at}
            for at, attributes in readings
        ]
        if drafts:
            events.publish_events(self.services, auth.authenticate(self.services, secret), drafts)

    # -- needs, supply, interests and consent -----------------------------------------------

    def _window(self, when: wishes.When | None) -> tuple[datetime | None, datetime | None]:
        if when is None:
            return None, None
        return wishes.resolve(when, self.now, self.zone)

    def _where(self, who: str, radius_m: float | None) -> Area:
        if radius_m is None:
            return Area(polygon=BOUNDARY.polygon)
        centre = self.first_site.get(who) or self.homes.get(who, CENTRE)
        return Area(center=centre, radius_m=radius_m)

    def _intent(self, spec: wishes.IntentSpec) -> None:
        start, end = self._window(spec.when)
        intents.publish_intent(
            self.services,
            self.principal(spec.who),
            circle_id=self.circle_id,
            category=spec.category,
            area=self._where(spec.who, spec.radius_m),
            text=spec.text,
            window_start=start,
            window_end=end,
            max_price=spec.max_price,
        )
        for business in spec.grants:
            self._grant(spec.who, business, DataCategory.INTENTS, None)

    def _grant(self, who: str, business: str, category: DataCategory, days: int | None) -> None:
        grants.grant(
            self.services,
            self.principal(who),
            recipient_kind=PartyKind.BUSINESS,
            recipient_id=self.businesses[business].id,
            category=category,
            purpose=Purpose.MATCHING,
            expires_at=None if days is None else self.now + timedelta(days=days),
        )

    def _offer(self, spec: wishes.OfferSpec) -> None:
        start, end = self._window(spec.when)
        business = self.businesses.get(spec.who)
        offers.publish_offer(
            self.services,
            self.principal(spec.who),
            circle_id=self.circle_id,
            category=spec.category,
            title=spec.title,
            area=self._where(spec.who, 1500 if business else 500),
            business_id=business.id if business else None,
            description=spec.description,
            price=spec.price,
            quantity=spec.quantity,
            valid_from=start,
            valid_until=end,
        )

    def _subscription(self, spec: wishes.SubscriptionSpec) -> None:
        business = self.businesses.get(spec.who)
        subscriptions.subscribe(
            self.services,
            self.principal(spec.who),
            circle_id=self.circle_id,
            name=spec.name,
            categories=list(spec.categories),
            area=self._where(spec.who, spec.radius_m),
            business_id=business.id if business else None,
            predicates=list(spec.predicates),
        )


def _summary(
    services: Services, circle: Circle, created: bool, token: str, seconds: float
) -> DemoSummary:
    shop = catalogue.BUSINESSES[0]
    with services.uow() as uow:
        shops = uow.repo(Business).find(circle_id=circle.id)
        kinds = {t.kind for t in uow.repo(Thing).find(circle_id=circle.id)}
        return DemoSummary(
            circle_id=circle.id,
            circle_name=circle.name,
            created=created,
            seconds=seconds,
            members=len(uow.repo(Membership).find(circle_id=circle.id)),
            businesses=len(shops),
            sites=sum(len(uow.repo(Site).find(business_id=b.id)) for b in shops),
            things=len(uow.repo(Thing).find(circle_id=circle.id)),
            thing_kinds=len(kinds),
            events=len(uow.repo(Event).find(circle_id=circle.id)),
            intents=len(uow.repo(Intent).find(circle_id=circle.id)),
            offers=len(uow.repo(Offer).find(circle_id=circle.id)),
            subscriptions=len(uow.repo(Subscription).find(circle_id=circle.id)),
            consents=sum(len(uow.repo(ConsentGrant).find(recipient_id=b.id)) for b in shops),
            proposals=uow.repo(Proposal).count(circle_id=circle.id),
            campaigns=uow.repo(Campaign).count(circle_id=circle.id),
            pledges=sum(
                uow.repo(Pledge).count(campaign_id=c.id)
                for c in uow.repo(Campaign).find(circle_id=circle.id)
            ),
            reviews=uow.repo(Review).count(circle_id=circle.id),
            demo_email=people.DEMO_EMAIL,
            demo_password=people.DEMO_PASSWORD,
            demo_token=token,
            admin_email=people.ADMIN_EMAIL,
            admin_password=people.ADMIN_PASSWORD,
            neighbour_password=people.NEIGHBOUR_PASSWORD,
            shopkeeper_email=_residents()[int(shop.owner[1:])].email,
            shopkeeper_business=shop.name,
        )


def _residents() -> list[people.Neighbour]:
    """The generated neighbours: the same on every run."""
    return people.neighbours(random.Random(SEED))  # noqa: S311 - demo data, not security
