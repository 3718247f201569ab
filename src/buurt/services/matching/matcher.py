"""From publication to moments: the ``Matcher``, the one object the rest of Buurt talks to.

Per circle, three in-memory indexes (events find subscriptions, new intents find offers, new
offers find open intents) and a relevance gate. The matcher is loaded from the store at
start-up and kept current by the use cases' domain events, so a change is visible to the next
publication. ``moments_for`` runs inside the publishing unit of work: the publication and its
moments are committed together or not at all. A publication goes through, in order:

1. ``indexes``: the standing records it matches (and, for a new intent, ``supply``: the
   stock and bookable things around it, pulled from the nearest-stock index and the store);
2. ``candidates``: a candidate moment per record (recipient, whose data, why);
3. ``routing``: the consent decision for every pair that would carry a member's data;
4. ``gates``: the circle's relevance gate (deduplication, hourly caps, quiet hours);
5. ``moments``: the moment records, with their access-log entries and webhook outbox rows.

An update of a proposal (``follower_moments``) finds its followers in the store instead of the
indexes, and goes through the same steps 3 to 5: its followers' caps and quiet hours hold.
Where engine workers match, the worker that owns the circle's shard does so from the stream
(``follower_pairs``, then ``admit_routed``: ADR 0017).

Who receives a moment, and whose consent it needs:

- an event reaches the owner of each matching subscription. A member's own event, or a
  private thing's event, is that member's data: it reaches anyone else only under a live
  ``location`` (member event) or ``thing_data`` (thing event) grant for ``matching``.
- an intent and an offer that match reach the offer's owner when the intent's member granted
  that owner ``intents`` for ``matching``; otherwise they reach the member alone, who pulls
  the offer without the business learning anything.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.community import Circle
from buurt.domain.events import DomainEvent, MomentCreated
from buurt.domain.following import Update
from buurt.domain.moments import Moment
from buurt.ports import UnitOfWork
from buurt.services.commerce.nearest import StockFinder
from buurt.services.consent.decision import ConsentBook
from buurt.services.matching import supply
from buurt.services.matching.candidates import Pair, event_pairs, follow_pairs, need_pairs
from buurt.services.matching.gates import Gates
from buurt.services.matching.indexes import Indexes
from buurt.services.matching.moments import record_moments, untold
from buurt.services.matching.routing import routed


class Matcher:
    """The indexes, consent routing and relevance gates behind ``Services.moments_for``.

    Thread-safe: one lock guards the in-memory state; the store is read outside it where the
    order allows.
    """

    def __init__(
        self, consent_book: ConsentBook, stock: StockFinder | None = None, *, once: bool = False
    ) -> None:
        self._book = consent_book
        self._stock = stock  # the nearest-stock index a new need asks (none: no stock)
        # Engine workers may match a publication again (a redelivery): a moment whose
        # delivery key is stored already is then skipped, not written twice.
        self._once = once
        self._lock = threading.Lock()
        self._indexes = Indexes()
        self._gates = Gates(self._indexes)

    def load(self, uow: UnitOfWork, at: datetime) -> None:
        """Build every circle's indexes from the store, and count the moments of the last hour
        in its gate (at start-up, ``at`` being now)."""
        with self._lock:
            self._indexes.load(uow)
            self._gates.restore(uow, at)

    def restore_gates(self, uow: UnitOfWork, at: datetime) -> None:
        """Count the gates afresh from the moments stored in the last hour: an engine worker
        that takes a shard over takes what its last owner admitted with it."""
        with self._lock:
            self._gates = Gates(self._indexes)
            self._gates.restore(uow, at)

    def hold(self, uow: UnitOfWork, circle_ids: Iterable[str], *, only: bool = False) -> None:
        """Index these circles afresh from the store (and with ``only``, no other): an engine
        worker holds the circles of the shards it owns, the only ones it follows."""
        with self._lock:
            self._indexes.hold(uow, circle_ids, only=only)

    def let_go(self, circle_ids: Iterable[str]) -> None:
        """Forget the indexes of these circles (their shards were let go of)."""
        with self._lock:
            self._indexes.let_go(circle_ids)

    def circle_saved(self, circle: Circle) -> None:
        """A circle was created or changed: its timezone sets the hours of new indexes."""
        with self._lock:
            self._indexes.set_timezone(circle)

    def standing_saved(self, record: Subscription | Offer | Intent) -> None:
        """A standing was created or changed: index it as it is now (if it still stands)."""
        with self._lock:
            self._indexes.change(record, deleted=False)

    def standing_removed(self, record: Subscription | Offer | Intent) -> None:
        with self._lock:
            self._indexes.change(record, deleted=True)

    def charter_changed(self, circle_id: str) -> None:
        """A closed proposal may have changed the circle's quiet hours: configure again."""
        with self._lock:
            self._gates.forget_charter(circle_id)

    def forget_recipient_settings(self, member_id: str) -> None:
        """A member changed their cap or quiet hours: configure again on next use."""
        with self._lock:
            self._gates.forget_member(member_id)

    def sizes(self) -> dict[str, int]:
        """How much the matcher holds (records, keys, counters, recipients), for tests and
        monitoring: it follows the posted records and recent recipients, not history."""
        with self._lock:
            return {**self._indexes.sizes(), **self._gates.sizes()}

    def moments_for(
        self, uow: UnitOfWork, record: Event | Intent | Offer, at: datetime
    ) -> list[Moment]:
        """Match a new publication and add its moments to the unit of work (not committed)."""
        pairs = self._pairs(uow, record, at)
        if not pairs:  # most events of things match nobody: no rules to run, nothing to record
            return []
        with self._lock:
            kept = routed(self._book, pairs, at)
            admitted = self._gates.admit(uow, record, kept, at)
        return record_moments(uow, record, admitted, at, once=self._once)

    def routed_pairs(
        self, uow: UnitOfWork, record: Event | Intent | Offer, at: datetime
    ) -> list[Pair]:
        """Steps 1 to 3 for a publication: the pairs it would deliver, each to whom it may go,
        before any relevance gate. An engine worker hands these, as candidates, to the worker
        that owns each recipient (``admit_routed``): in a split circle one recipient's moments
        come from several shards, and only one gate may count them."""
        pairs = self._pairs(uow, record, at)
        if not pairs:
            return []
        with self._lock:
            return routed(self._book, pairs, at)

    def admit_routed(
        self,
        uow: UnitOfWork,
        record: Event | Intent | Offer | Update,
        pairs: list[Pair],
        at: datetime,
    ) -> list[Moment]:
        """Steps 4 and 5 for pairs routed before (``routed_pairs``, or an update's
        ``follower_pairs``), perhaps by another worker: the pairs whose delivery key is stored
        already are dropped first (a candidate or update delivered again counts nothing), then
        the circle's gate admits what it admits, and their moments are added to the unit of
        work (not committed). The pairs' engine keys are this process's, not the matching
        worker's."""
        keyed = [replace(pair, key=self._key(pair)) for pair in pairs]
        fresh = untold(uow, record, keyed)
        if not fresh:
            return []
        with self._lock:
            admitted = self._gates.admit(uow, record, fresh, at)
        return record_moments(uow, record, admitted, at, once=True)

    def _key(self, pair: Pair) -> int:
        """The standing's engine key here, or a stable number of its id above every engine
        key when it is not posted (stock, bookable things, a standing withdrawn since)."""
        with self._lock:
            found = self._indexes.key_of(pair.standing.id)
        if found is not None:
            return found
        digest = hashlib.blake2b(pair.standing.id.encode(), digest_size=7).digest()
        return (1 << 62) | int.from_bytes(digest)

    def _pairs(self, uow: UnitOfWork, record: Event | Intent | Offer, at: datetime) -> list[Pair]:
        """Steps 1 and 2: the standing records the publication matches, as candidate pairs."""
        if isinstance(record, Event):
            with self._lock:
                found = self._indexes.subscriptions_for(record)
            return event_pairs(uow, record, found)
        with self._lock:
            answers = self._indexes.answers_for(record, at)
        pairs = need_pairs(record, answers)
        if isinstance(record, Intent):  # stock and shared things answer a need too
            pairs += self._supply(uow, record, at)
        return pairs

    def _supply(self, uow: UnitOfWork, intent: Intent, at: datetime) -> list[Pair]:
        found = [] if self._stock is None else supply.stock_pairs(uow, intent, self._stock, at)
        return found + supply.bookable_pairs(uow, intent, at)

    def follower_moments(self, uow: UnitOfWork, update: Update, at: datetime) -> list[Moment]:
        """Tell an update of a proposal to its followers: their moments, added to the unit of
        work that makes the update (not committed)."""
        pairs = follow_pairs(uow, update)
        if not pairs:
            return []
        with self._lock:
            kept = routed(self._book, pairs, at)
            admitted = self._gates.admit(uow, update, kept, at)
        return record_moments(uow, update, admitted, at, once=self._once)

    def followers_told(self, uow: UnitOfWork, update: Update, at: datetime) -> list[DomainEvent]:
        """``follower_moments``, as the events the update's unit of work commits."""
        return [MomentCreated(moment) for moment in self.follower_moments(uow, update, at)]

    def follower_pairs(self, uow: UnitOfWork, update: Update, at: datetime) -> list[Pair]:
        """Steps 1 to 3 for an update: its followers' pairs, routed, before any gate. The
        engine worker that owns the circle's shard reads them (ADR 0017) and admits them in
        its own gate (``admit_routed``), or hands them on as candidates in a split circle."""
        pairs = follow_pairs(uow, update)
        if not pairs:
            return []
        with self._lock:
            return routed(self._book, pairs, at)
