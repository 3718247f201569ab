"""The demo neighbourhood, alive: while ``buurt demo`` serves, things report and people ask.

Every few seconds one thing of the demo circle reports a reading (in turn, each made by its
kind's generator for that instant), now and then a neighbour publishes a need, a shop offers
something the demo member asked for, and once in a while a shop takes up the neighbours' most
supported proposal as a campaign, and every so often it is a sunny noon: a neighbour's
surplus starts the demo member's charger (``sunny_noon``). So the pages a visitor opens
move by themselves: a thing's live page, the demo member's moments, a shop's dashboard.
Everything goes through the same use cases as a real request, so consent, caps and quiet
hours apply as ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from buurt.demo.people import DEMO_EMAIL
from buurt.demo.places import random_address
from buurt.demo.readings import EVENT_KIND, day_of_readings
from buurt.demo.seeding import find_demo_circle
from buurt.demo.sunny_noon import SUNNY_EVERY, DemoThingLink, charger_reading, noon_surplus
from buurt.domain.activity import Intent, IntentStatus
from buurt.domain.campaigns import ThresholdKind
from buurt.domain.cocreation import Proposal, ProposalStatus
from buurt.domain.community import Business, Circle, Member, Membership, Thing
from buurt.domain.errors import DomainError
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area
from buurt.services.cocreation import campaigns
from buurt.services.community import auth
from buurt.services.context import Services
from buurt.services.publishing import events, intents, offers
from buurt.services.things.batches import BROKER

log = logging.getLogger("buurt.demo")
LABEL = "demo life"
NEED_EVERY = 7  # ticks between a neighbour's needs
OFFER_EVERY = 11  # ticks between a shop's offers to the demo member
NEEDS = ("food/bread", "food/vegetables", "help/shopping", "mobility/cargo-bike", "food/pastry")
OFFER_HOURS = 2
CAMPAIGN_EVERY = 97  # ticks between a shop taking up a neighbours' proposal
CAMPAIGN_DAYS = 7


class DemoLife:
    """The background work of ``buurt demo``: one ``tick`` every ``interval`` seconds."""

    def __init__(
        self, services: Services, interval: float, link: DemoThingLink, seed: int = 2026
    ) -> None:
        """``link`` is the one the instance was built with (``build(local_link=...)``): the
        chargers its commands reach are the ones this life makes report."""
        self._services = services
        self._link = link
        self._interval = interval
        self._rng = random.Random(seed)  # noqa: S311 - a demo's dice, not a secret
        self._ticks = itertools.count(1)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._interval > 0 and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._every(), name="buurt-demo-life")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await asyncio.to_thread(self.tick)
            except Exception:
                log.exception("the demo's neighbourhood stumbled; going on")

    def tick(self) -> list[str]:
        """One step of the neighbourhood's life; what happened, in words (for the log)."""
        circle = find_demo_circle(self._services)
        if circle is None:
            return []
        n = next(self._ticks)
        happened = [*self._commands_taken(), self._reading(circle, n)]
        if n % NEED_EVERY == 0:
            happened.append(self._need(circle, n))
        if n % OFFER_EVERY == 0:
            happened.append(self._offer(circle))
        if n % CAMPAIGN_EVERY == 0:
            happened.append(self._campaign(circle))
        if n == 1 or n % SUNNY_EVERY == 0:
            happened.append(noon_surplus(self._services, circle))
            happened.extend(self._commands_taken())  # the charger starts in the same tick
        done = [h for h in happened if h]
        for line in done:
            log.debug("demo: %s", line)
        return done

    def _commands_taken(self) -> list[str]:
        """The chargers started by commands since the last tick report that they charge."""
        now = self._services.clock.now()
        happened = []
        for thing_id in self._link.take(now):
            with self._services.uow() as uow:
                thing = uow.repo(Thing).get(thing_id)
            if thing is not None:
                happened.append(self._report(thing))
        return happened

    def _report(self, thing: Thing) -> str:
        now = self._services.clock.now()
        attributes = charger_reading(self._link, thing, now)
        if attributes is None:
            return ""
        draft = {
            "thing_id": thing.id,
            "kind": EVENT_KIND[thing.kind],
            "attributes": attributes,
            "occurred_at": now,
        }
        events.publish_events(self._services, BROKER, [draft], partial=True)
        return f"{thing.name} started charging"

    def _reading(self, circle: Circle, n: int) -> str:
        with self._services.uow() as uow:
            things = sorted(uow.repo(Thing).find(circle_id=circle.id), key=lambda t: t.id)
        if not things:
            return ""
        thing = things[n % len(things)]
        if self._link.is_charging(thing.id, self._services.clock.now()):
            return self._report(thing)  # a started charger charges until its hour is up
        now = self._services.clock.now()
        readings = day_of_readings(
            thing.kind, now, ZoneInfo(circle.timezone), self._rng, 1.0, thing.place
        )
        if not readings:
            return ""
        _, attributes = readings[-1]
        draft = {
            "thing_id": thing.id,
            "kind": EVENT_KIND[thing.kind],
            "attributes": attributes,
            "occurred_at": now,
        }
        events.publish_events(self._services, BROKER, [draft], partial=True)
        return f"{thing.name} reported {attributes}"

    def _need(self, circle: Circle, n: int) -> str:
        with self._services.uow() as uow:
            seats = uow.repo(Membership).find(circle_id=circle.id)
            people = [uow.repo(Member).get(s.member_id) for s in seats]
        neighbours = sorted(p.id for p in people if p is not None and p.email != DEMO_EMAIL)
        if not neighbours:
            return ""
        who = auth.acting_party(
            self._services, PartyKind.MEMBER, self._rng.choice(neighbours), LABEL
        )
        category = NEEDS[(n // NEED_EVERY) % len(NEEDS)]
        home = random_address(self._rng).place  # somewhere in the neighbourhood
        try:
            intents.publish_intent(
                self._services,
                who,
                circle_id=circle.id,
                category=category,
                area=Area(center=home, radius_m=1200),
                text="",
            )
        except DomainError as refused:  # a cap, a closed window: life goes on
            return f"a need was refused: {refused.detail}"
        return f"a neighbour asked for {category}"

    def _offer(self, circle: Circle) -> str:
        """A shop answers one of the demo member's open needs with a fresh offer."""
        now = self._services.clock.now()
        with self._services.uow() as uow:
            demo = uow.repo(Member).find(email=DEMO_EMAIL)
            needs = (
                uow.repo(Intent).find(member_id=demo[0].id, status=IntentStatus.OPEN)
                if demo
                else []
            )
            shops = sorted(uow.repo(Business).find(circle_id=circle.id), key=lambda b: b.id)
        if not needs or not shops:
            return ""
        need = self._rng.choice(sorted(needs, key=lambda i: i.id))
        shop = self._rng.choice(shops)
        acting = auth.acting_party(self._services, PartyKind.BUSINESS, shop.id, LABEL)
        price = None if need.max_price is None else round(need.max_price * 0.8, 2)
        try:
            offers.publish_offer(
                self._services,
                acting,
                circle_id=circle.id,
                category=need.category,
                title=f"{shop.name}: fresh today",
                area=need.area,
                price=price,
                valid_until=now + timedelta(hours=OFFER_HOURS),
            )
        except DomainError as refused:
            return f"an offer was refused: {refused.detail}"
        return f"{shop.name} offered {need.category}"

    def _campaign(self, circle: Circle) -> str:
        """A shop takes up the most supported open proposal of its kind as a campaign."""
        now = self._services.clock.now()
        with self._services.uow() as uow:
            open_ = uow.repo(Proposal).find(circle_id=circle.id, status=ProposalStatus.OPEN)
            shops = sorted(uow.repo(Business).find(circle_id=circle.id), key=lambda b: b.id)
        if not open_ or not shops:
            return ""
        proposal = max(open_, key=lambda p: (p.support_count, p.id))
        shop = self._rng.choice(shops)
        owner = auth.acting_party(self._services, PartyKind.MEMBER, shop.owner_member_id, LABEL)
        price = proposal.price_idea if proposal.price_idea is not None else 5.0
        try:
            campaigns.start(
                self._services,
                owner,
                proposal_id=proposal.id,
                business_id=shop.id,
                unit_price=price,
                threshold_kind=ThresholdKind.PLEDGES,
                threshold=10,
                deadline=now + timedelta(days=CAMPAIGN_DAYS),
            )
        except DomainError as refused:
            return f"a campaign was refused: {refused.detail}"
        return f"{shop.name} made '{proposal.title}' a campaign"
