"""Per circle, the engine's indexes of standing records, kept current, and what they find.

Each circle has three indexes: events find subscriptions, new intents find offers, new offers
find open intents. Only active offers and open intents are posted. A record is posted under
its engine key (``registry``) and kept here, so a match gives back the records it found. A
need also looks for narrower categories (a need for ``food`` finds ``food/bread``), but only
under categories that some posted offer or intent of the circle has.

Not thread-safe: the ``Matcher`` holds its lock around every call.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from buurt.domain.activity import Event, Intent, IntentStatus, Offer, OfferStatus, Subscription
from buurt.domain.community import Circle
from buurt.engine import MatchIndex, Publication
from buurt.ports import UnitOfWork
from buurt.services.matching import standings
from buurt.services.matching.registry import Registry

StandingRecord = Subscription | Offer | Intent


@dataclass
class CircleIndexes:
    """One circle's indexes, in the circle's timezone, and how many offers and intents are
    posted under each category."""

    timezone: str
    subscriptions: MatchIndex
    offers: MatchIndex
    intents: MatchIndex
    offer_categories: Counter[str] = field(default_factory=Counter)
    intent_categories: Counter[str] = field(default_factory=Counter)

    @classmethod
    def new(cls, timezone: str) -> CircleIndexes:
        return cls(timezone, MatchIndex(timezone), MatchIndex(timezone), MatchIndex(timezone))


class Indexes:
    """Every circle's indexes and the standing records posted in them."""

    def __init__(self) -> None:
        self._circles: dict[str, CircleIndexes] = {}
        self._timezones: dict[str, str] = {}
        self._keys = Registry()
        self._records: dict[str, StandingRecord] = {}

    def load(self, uow: UnitOfWork) -> None:
        """Post every standing record of the store (at start-up)."""
        for circle in uow.repo(Circle).find():
            self._timezones[circle.id] = circle.timezone
        for subscription in uow.repo(Subscription).find():
            self.put(subscription)
        for offer in uow.repo(Offer).find(status=OfferStatus.ACTIVE):
            self.put(offer)
        for intent in uow.repo(Intent).find(status=IntentStatus.OPEN):
            self.put(intent)

    def set_timezone(self, circle: Circle) -> None:
        """The timezone a circle's indexes get when they are made."""
        self._timezones[circle.id] = circle.timezone

    def circle(self, circle_id: str) -> CircleIndexes:
        """The circle's indexes, made on first use in the circle's timezone (UTC if unknown)."""
        found = self._circles.get(circle_id)
        if found is None:
            zone = self._timezones.get(circle_id, "UTC")
            found = self._circles[circle_id] = CircleIndexes.new(zone)
        return found

    # -- changes ---------------------------------------------------------------------------

    def put(self, record: StandingRecord) -> None:
        """Post a record (not posted yet); offers that are not active and intents that are
        not open are left out."""
        circle = self.circle(record.circle_id)
        key = self._keys.key(record.id)
        if isinstance(record, Subscription):
            circle.subscriptions.add(standings.subscription_standing(key, record))
        elif isinstance(record, Offer):
            if record.status is not OfferStatus.ACTIVE:
                return
            circle.offers.add(standings.offer_standing(key, record))
            circle.offer_categories[record.category] += 1
        else:
            if record.status is not IntentStatus.OPEN:
                return
            circle.intents.add(standings.intent_standing(key, record))
            circle.intent_categories[record.category] += 1
        self._records[record.id] = record

    def drop(self, ident: str) -> None:
        """Withdraw the record with this id; an id not posted is ignored."""
        record = self._records.pop(ident, None)
        if record is None:
            return
        circle = self.circle(record.circle_id)
        key = self._keys.key(ident)
        if isinstance(record, Subscription):
            circle.subscriptions.remove(key)
        elif isinstance(record, Offer):
            circle.offers.remove(key)
            circle.offer_categories[record.category] -= 1
        else:
            circle.intents.remove(key)
            circle.intent_categories[record.category] -= 1

    # -- finding ---------------------------------------------------------------------------

    def subscriptions_for(self, event: Event) -> list[tuple[int, Subscription]]:
        """The subscriptions an event matches, with their keys, in key order."""
        index = self.circle(event.circle_id).subscriptions
        keys = index.match(standings.event_publication(event)).tolist()
        found = []
        for key in keys:
            subscription = self._records[self._keys.ident(key)]
            assert isinstance(subscription, Subscription)
            found.append((key, subscription))
        return found

    def answers_for(self, record: Intent | Offer, at: datetime) -> list[tuple[int, Offer | Intent]]:
        """The offers a new intent matches, or the open intents a new offer matches, with their
        keys, in key order."""
        circle = self.circle(record.circle_id)
        if isinstance(record, Intent):
            publication = standings.intent_publication(record, at)
            keys = _related(circle.offers, publication, circle.offer_categories)
        else:
            publication = standings.offer_publication(record, at)
            keys = _related(circle.intents, publication, circle.intent_categories)
        found: list[tuple[int, Offer | Intent]] = []
        for key in keys:
            other = self._records[self._keys.ident(key)]
            assert not isinstance(other, Subscription)
            found.append((key, other))
        return found


def _related(index: MatchIndex, publication: Publication, known: Counter[str]) -> list[int]:
    """Standings whose category covers the publication's, or that the publication's covers."""
    keys = set(index.match(publication).tolist())
    prefix = publication.category + "/"
    for category, count in known.items():
        if count > 0 and category.startswith(prefix):
            narrower = Publication(
                publication.lat,
                publication.lon,
                category,
                publication.at,
                publication.attributes,
            )
            keys.update(index.match(narrower).tolist())
    return sorted(keys)
