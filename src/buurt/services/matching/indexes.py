"""Per circle, the engine's indexes of standing records, kept current, and what they find.

Each circle has three indexes: events find subscriptions, new intents find offers, new offers
find open intents. Only active offers and open intents are posted. A record is posted under
its engine key (``registry.Keys``) and kept here, so a match gives back the records it found.
A need also looks for narrower categories (a need for ``food`` finds ``food/bread``), but only
under categories that some posted offer or intent of the circle has.

Everything here is held for the posted records only: a withdrawn record takes its key, its
category count and its owner's count with it (``sizes`` shows it).

Not thread-safe: the ``Matcher`` holds its lock around every call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from buurt.domain.activity import Event, Intent, IntentStatus, Offer, OfferStatus, Subscription
from buurt.domain.community import Circle
from buurt.engine import MatchIndex, Publication
from buurt.ports import UnitOfWork
from buurt.services.matching import standings
from buurt.services.matching.registry import Keys

StandingRecord = Subscription | Offer | Intent


def owner(record: StandingRecord) -> tuple[str, str]:
    """Who a record's moments go to: a subscription's or offer's owner, an intent's member."""
    if isinstance(record, Intent):
        return ("member", record.member_id)
    return (record.owner_kind.value, record.owner_id)


@dataclass
class CircleIndexes:
    """One circle's indexes, in the circle's timezone; how many offers and intents are posted
    under each category, and how many records each owner has posted (``"kind:id"``)."""

    timezone: str
    subscriptions: MatchIndex
    offers: MatchIndex
    intents: MatchIndex
    offer_categories: Counter[str] = field(default_factory=Counter)
    intent_categories: Counter[str] = field(default_factory=Counter)
    owners: Counter[str] = field(default_factory=Counter)

    @classmethod
    def new(cls, timezone: str) -> CircleIndexes:
        return cls(timezone, MatchIndex(timezone), MatchIndex(timezone), MatchIndex(timezone))


class Indexes:
    """Every circle's indexes and the standing records posted in them."""

    def __init__(self) -> None:
        self._circles: dict[str, CircleIndexes] = {}
        self._timezones: dict[str, str] = {}
        self._keys = Keys()
        self._records: dict[str, StandingRecord] = {}

    def load(self, uow: UnitOfWork) -> None:
        """Post every standing record of the store (at start-up)."""
        for circle in uow.repo(Circle).find():
            self._timezones[circle.id] = circle.timezone
        for subscription in uow.repo(Subscription).find():
            self._post(subscription)
        for offer in uow.repo(Offer).find(status=OfferStatus.ACTIVE):
            self._post(offer)
        for intent in uow.repo(Intent).find(status=IntentStatus.OPEN):
            self._post(intent)

    def hold(self, uow: UnitOfWork, circle_ids: Iterable[str], *, only: bool = False) -> None:
        """Post the circles' standing records afresh from the store, forgetting what was
        posted in them before (an engine worker that takes a shard over: it did not follow the
        circle's changes until now). With ``only`` every other circle is forgotten."""
        fresh = set(circle_ids)
        leaving = [
            ident
            for ident, record in self._records.items()
            if record.circle_id in fresh or (only and record.circle_id not in fresh)
        ]
        for ident in leaving:
            self._withdraw(ident)
            self._keys.release(ident)
        for circle_id in [c for c in self._circles if c in fresh or only]:
            del self._circles[circle_id]
        for circle_id in sorted(fresh):
            for subscription in uow.repo(Subscription).find(circle_id=circle_id):
                self._post(subscription)
            for offer in uow.repo(Offer).find(circle_id=circle_id, status=OfferStatus.ACTIVE):
                self._post(offer)
            for intent in uow.repo(Intent).find(circle_id=circle_id, status=IntentStatus.OPEN):
                self._post(intent)

    def let_go(self, circle_ids: Iterable[str]) -> None:
        """Forget what is posted in these circles (a shard let go of: no longer followed)."""
        gone = set(circle_ids)
        for ident in [i for i, r in self._records.items() if r.circle_id in gone]:
            self._withdraw(ident)
            self._keys.release(ident)
        for circle_id in gone & self._circles.keys():
            del self._circles[circle_id]

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

    def timezone(self, circle_id: str) -> str:
        """The timezone of the circle's indexes (which are made if need be)."""
        return self.circle(circle_id).timezone

    def owns(self, circle_id: str, name: str) -> bool:
        """Whether ``name`` (``"kind:id"``) owns a posted record in the circle."""
        circle = self._circles.get(circle_id)
        return circle is not None and name in circle.owners

    def key_of(self, standing_id: str) -> int | None:
        """The engine key of a posted standing; ``None`` when it is not posted."""
        return self._keys.find(standing_id) if standing_id in self._records else None

    def sizes(self) -> dict[str, int]:
        """How much is held, summed over the circles (for tests and monitoring)."""
        circles = self._circles.values()
        return {
            "keys": len(self._keys),
            "records": len(self._records),
            "posted": sum(len(c.subscriptions) + len(c.offers) + len(c.intents) for c in circles),
            "categories": sum(len(c.offer_categories) + len(c.intent_categories) for c in circles),
            "owners": sum(len(c.owners) for c in circles),
        }

    # -- changes ---------------------------------------------------------------------------

    def change(self, record: StandingRecord, deleted: bool) -> None:
        """A record was created, changed or deleted: post it as it is now. A record that
        stays posted keeps its key; one that is deleted or no longer posted gives it up."""
        self._withdraw(record.id)
        if deleted or not self._post(record):
            self._keys.release(record.id)

    def _post(self, record: StandingRecord) -> bool:
        """Post a record (not posted now); offers that are not active and intents that are
        not open are left out. Whether it was posted."""
        circle = self.circle(record.circle_id)
        if isinstance(record, Subscription):
            key = self._keys.key(record.id)
            circle.subscriptions.add(standings.subscription_standing(key, record))
        elif isinstance(record, Offer):
            if record.status is not OfferStatus.ACTIVE:
                return False
            key = self._keys.key(record.id)
            circle.offers.add(standings.offer_standing(key, record))
            circle.offer_categories[record.category] += 1
        else:
            if record.status is not IntentStatus.OPEN:
                return False
            key = self._keys.key(record.id)
            circle.intents.add(standings.intent_standing(key, record))
            circle.intent_categories[record.category] += 1
        circle.owners[":".join(owner(record))] += 1
        self._records[record.id] = record
        return True

    def _withdraw(self, ident: str) -> None:
        """Take the record with this id out of its index (its key stays); unknown ids are fine."""
        record = self._records.pop(ident, None)
        if record is None:
            return
        circle = self.circle(record.circle_id)
        key = self._keys.key(ident)
        if isinstance(record, Subscription):
            circle.subscriptions.remove(key)
        elif isinstance(record, Offer):
            circle.offers.remove(key)
            _decrement(circle.offer_categories, record.category)
        else:
            circle.intents.remove(key)
            _decrement(circle.intent_categories, record.category)
        _decrement(circle.owners, ":".join(owner(record)))

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


def _decrement(counter: Counter[str], name: str) -> None:
    """Count one less, forgetting names that reach zero."""
    left = counter[name] - 1
    if left > 0:
        counter[name] = left
    else:
        del counter[name]


def _related(index: MatchIndex, publication: Publication, known: Counter[str]) -> list[int]:
    """Standings whose category covers the publication's, or that the publication's covers."""
    keys = set(index.match(publication).tolist())
    prefix = publication.category + "/"
    for category in known:  # every name counted is posted (zeros are forgotten)
        if category.startswith(prefix):
            narrower = Publication(
                publication.lat,
                publication.lon,
                category,
                publication.at,
                publication.attributes,
            )
            keys.update(index.match(narrower).tolist())
    return sorted(keys)
