"""From publication to moments: the engine's indexes kept current, consent, relevance rules.

The ``Matcher`` holds, per circle, three in-memory indexes (events find subscriptions, new
intents find offers, new offers find open intents) and the circle's relevance gate. It is
loaded from the store at start-up and kept current by the use cases' announcements, so a
change is visible to the next publication. ``moments_for`` runs inside the publishing unit
of work: the publication and its moments are committed together or not at all.

Who receives a moment, and whose consent it needs:

- an event reaches the owner of each matching subscription. A member's own event, or a
  private thing's event, is that member's data: it reaches anyone else only under a live
  ``location`` (member event) or ``thing_data`` (thing event) grant for ``matching``.
- an intent and an offer that match reach the offer's owner when the intent's member granted
  that owner ``intents`` for ``matching``; otherwise they reach the member alone, who pulls
  the offer without the business learning anything.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from buurt.domain.activity import (
    Event,
    Intent,
    IntentStatus,
    Offer,
    OfferStatus,
    SourceKind,
    Subscription,
)
from buurt.domain.charter import CharterProposal
from buurt.domain.community import Circle, Member, Thing, Visibility
from buurt.domain.consent import DataCategory, Purpose, RecipientKind
from buurt.domain.ids import new_id
from buurt.domain.moments import Moment, MomentStatus
from buurt.engine import MatchIndex, Publication, RelevanceGate
from buurt.ports import UnitOfWork
from buurt.services.charter import proposals
from buurt.services.consent import access_log
from buurt.services.consent.decision import ConsentBook, Recipient
from buurt.services.matching import standings
from buurt.services.webhooks.deliveries import enqueue_webhooks

BUSINESS_CAP = 100
EVENT_MOMENT_LIFETIME = timedelta(days=1)
NEED_MOMENT_LIFETIME = timedelta(days=7)


class Registry:
    """Small integers for string ids, as the engine's columns want."""

    def __init__(self) -> None:
        self._ints: dict[str, int] = {}
        self._ids: list[str] = []

    def key(self, ident: str) -> int:
        found = self._ints.get(ident)
        if found is None:
            found = self._ints[ident] = len(self._ids)
            self._ids.append(ident)
        return found

    def ident(self, key: int) -> str:
        return self._ids[key]


@dataclass
class _Circle:
    """One circle's indexes and gate (in the circle's timezone)."""

    id: str
    subscriptions: MatchIndex
    offers: MatchIndex
    intents: MatchIndex
    gate: RelevanceGate
    offer_categories: Counter[str] = field(default_factory=Counter)
    intent_categories: Counter[str] = field(default_factory=Counter)
    configured: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Pair:
    """A candidate moment: a standing record, who would receive it, whose data it carries."""

    standing_kind: str
    standing: Subscription | Offer | Intent
    recipient: tuple[str, str]
    subject: str | None
    reason: str
    consent: DataCategory | None
    thing_id: str | None = None
    grant_id: str | None = None  # the grant that lets the recipient use the subject's data


class Matcher:
    def __init__(self, consent_book: ConsentBook) -> None:
        self._book = consent_book
        self._lock = threading.Lock()
        self._circles: dict[str, _Circle] = {}
        self._timezones: dict[str, str] = {}
        self._keys = Registry()
        self._recipients = Registry()
        self._records: dict[str, Subscription | Offer | Intent] = {}

    # -- keeping the indexes current -------------------------------------------------------

    def load(self, uow: UnitOfWork) -> None:
        """Build every circle's indexes from the store (at start-up)."""
        with self._lock:
            for circle in uow.repo(Circle).find():
                self._timezones[circle.id] = circle.timezone
            for subscription in uow.repo(Subscription).find():
                self._put(subscription)
            for offer in uow.repo(Offer).find(status=OfferStatus.ACTIVE):
                self._put(offer)
            for intent in uow.repo(Intent).find(status=IntentStatus.OPEN):
                self._put(intent)

    def listen(self, topic: str, payload: object) -> None:
        """A ``Services`` listener: standing records created, changed or deleted."""
        if isinstance(payload, Circle):
            self._timezones[payload.id] = payload.timezone
            return
        if isinstance(payload, Member):
            self.forget_recipient_settings(payload.id)
            return
        if isinstance(payload, CharterProposal):  # a passed proposal may change quiet hours
            with self._lock:
                self._circle(payload.circle_id).configured.clear()
            return
        if not isinstance(payload, Subscription | Offer | Intent):
            return
        with self._lock:
            self._drop(payload.id)
            if not topic.endswith(".deleted"):
                self._put(payload)

    def _circle(self, circle_id: str) -> _Circle:
        found = self._circles.get(circle_id)
        if found is None:
            zone = self._timezones.get(circle_id, "UTC")
            found = self._circles[circle_id] = _Circle(
                circle_id, MatchIndex(zone), MatchIndex(zone), MatchIndex(zone), RelevanceGate(zone)
            )
        return found

    def _put(self, record: Subscription | Offer | Intent) -> None:
        circle = self._circle(record.circle_id)
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

    def _drop(self, ident: str) -> None:
        record = self._records.pop(ident, None)
        if record is None:
            return
        circle = self._circle(record.circle_id)
        key = self._keys.key(ident)
        if isinstance(record, Subscription):
            circle.subscriptions.remove(key)
        elif isinstance(record, Offer):
            circle.offers.remove(key)
            circle.offer_categories[record.category] -= 1
        else:
            circle.intents.remove(key)
            circle.intent_categories[record.category] -= 1

    # -- publications ----------------------------------------------------------------------

    def moments_for(
        self, uow: UnitOfWork, record: Event | Intent | Offer, at: datetime
    ) -> list[Moment]:
        """Match a new publication and add its moments to the unit of work (not committed)."""
        if isinstance(record, Event):
            pairs = self._event_pairs(uow, record)
        else:
            pairs = self._need_pairs(record, at)
        if not pairs:  # most events of things match nobody: no rules to run, nothing to record
            return []
        with self._lock:
            admitted = self._admit(uow, record, pairs, at)
        moments = []
        for pair in admitted:
            moment = self._moment(record, pair, at)
            uow.repo(Moment).add(moment)
            enqueue_webhooks(uow, moment, "moment.created", at)  # committed with the moment
            if pair.grant_id is not None and pair.subject is not None and pair.consent:
                # Delivering a member's data to someone else is a use: it goes in their log.
                kind, ident = pair.recipient
                access_log.record(
                    uow,
                    pair.subject,
                    Recipient(RecipientKind(kind), ident),
                    pair.consent,
                    Purpose.MATCHING,
                    f"moment {moment.id}",
                    pair.grant_id,
                    at=at,
                )
            moments.append(moment)
        return moments

    def _event_pairs(self, uow: UnitOfWork, event: Event) -> list[_Pair]:
        with self._lock:
            keys = self._circle(event.circle_id).subscriptions.match(
                standings.event_publication(event)
            )
            found = [self._records[self._keys.ident(int(k))] for k in keys]
        if not found:
            return []
        subject, category, thing_id = None, None, None
        if event.source_kind is SourceKind.MEMBER:
            subject, category = event.source_id, DataCategory.LOCATION
        elif event.source_kind is SourceKind.THING:
            thing = uow.repo(Thing).get(event.source_id)
            if _is_personal(thing):
                assert thing is not None
                subject, category, thing_id = thing.owner_id, DataCategory.THING_DATA, thing.id
        pairs = []
        for subscription in found:
            assert isinstance(subscription, Subscription)
            pairs.append(
                _Pair(
                    "subscription",
                    subscription,
                    (subscription.owner_kind.value, subscription.owner_id),
                    subject,
                    standings.explain_subscription(subscription, event),
                    category,
                    thing_id,
                )
            )
        return pairs

    def _need_pairs(self, record: Intent | Offer, at: datetime) -> list[_Pair]:
        with self._lock:
            circle = self._circle(record.circle_id)
            if isinstance(record, Intent):
                publication = standings.intent_publication(record, at)
                keys = _related(circle.offers, publication, circle.offer_categories)
            else:
                publication = standings.offer_publication(record, at)
                keys = _related(circle.intents, publication, circle.intent_categories)
            found = [self._records[self._keys.ident(k)] for k in keys]
        pairs = []
        for other in found:
            intent, offer = (record, other) if isinstance(record, Intent) else (other, record)
            assert isinstance(intent, Intent)
            assert isinstance(offer, Offer)
            owner = (offer.owner_kind.value, offer.owner_id)
            if owner == ("member", intent.member_id):
                continue  # one's own offer answers nothing
            reason = standings.explain_offer_intent(offer, intent)
            standing_kind = "offer" if isinstance(record, Intent) else "intent"
            pairs.append(_Pair(standing_kind, other, owner, intent.member_id, reason, None))
        return pairs

    def _admit(
        self, uow: UnitOfWork, record: Event | Intent | Offer, pairs: list[_Pair], at: datetime
    ) -> list[_Pair]:
        """Consent first (and routing of needs), then the circle's relevance gate."""
        routed = [self._route(pair, at) for pair in pairs]
        kept = [pair for pair in routed if pair is not None]
        circle = self._circle(record.circle_id)
        keys = np.array([self._keys.key(p.standing.id) for p in kept], dtype=np.int64)
        recipients = np.array(
            [self._recipient(uow, circle, p.recipient, at) for p in kept], dtype=np.int64
        )
        if isinstance(record, Event):  # one moment per recipient and event ...
            groups = {record.id: list(range(len(kept)))}
        else:  # ... but one per offer and intent: each pair is its own publication
            groups = {f"{record.id}/{p.standing.id}": [i] for i, p in enumerate(kept)}
        admitted: list[_Pair] = []
        for publication, rows in groups.items():
            index = np.array(rows, dtype=np.intp)
            mask = circle.gate.admit(publication, at, keys[index], recipients[index])
            admitted += [kept[i] for i, ok in zip(rows, mask, strict=True) if ok]
        return admitted

    def _route(self, pair: _Pair, at: datetime) -> _Pair | None:
        """Ask the consent decision for every pair that would carry a member's data."""
        kind, ident = pair.recipient
        if pair.subject is None or (kind == "member" and ident == pair.subject):
            return pair
        category = pair.consent or DataCategory.INTENTS
        recipient = Recipient(RecipientKind(kind), ident)
        granted = self._book.may_use(
            recipient, pair.subject, category, Purpose.MATCHING, at, pair.thing_id
        )
        if granted is not None:
            return replace(pair, consent=category, grant_id=granted)
        if pair.consent is None:  # a need: without consent the member alone pulls the offer
            return _Pair(
                pair.standing_kind,
                pair.standing,
                ("member", pair.subject),
                pair.subject,
                pair.reason,
                None,
            )
        return None

    def _recipient(
        self, uow: UnitOfWork, circle: _Circle, recipient: tuple[str, str], at: datetime
    ) -> int:
        number = self._recipients.key(":".join(recipient))
        if number not in circle.configured:
            kind, ident = recipient
            member = uow.repo(Member).get(ident) if kind == "member" else None
            cap = member.max_moments_per_hour if member else BUSINESS_CAP
            circle.gate.set_cap(number, cap)
            hours: set[int] = set()
            if member is not None:  # quiet hours are for people: the member's and the circle's
                hours |= quiet_hours(member.quiet_from_hour, member.quiet_until_hour)
                rules = proposals.in_force(uow, circle.id, at)
                hours |= quiet_hours(rules.quiet_from_hour, rules.quiet_until_hour)
            circle.gate.set_quiet_hours(number, sorted(hours))
            circle.configured.add(number)
        return number

    def forget_recipient_settings(self, member_id: str) -> None:
        """A member changed their cap or quiet hours: configure again on next use."""
        with self._lock:
            number = self._recipients.key(f"member:{member_id}")
            for circle in self._circles.values():
                circle.configured.discard(number)

    def _moment(self, record: Event | Intent | Offer, pair: _Pair, at: datetime) -> Moment:
        source_kind = type(record).__name__.lower()
        lifetime = EVENT_MOMENT_LIFETIME if isinstance(record, Event) else NEED_MOMENT_LIFETIME
        return Moment(
            id=new_id("moment"),
            circle_id=record.circle_id,
            recipient_kind=pair.recipient[0],
            recipient_id=pair.recipient[1],
            source_kind=source_kind,
            source_id=record.id,
            standing_kind=pair.standing_kind,
            standing_id=pair.standing.id,
            reason=pair.reason,
            status=MomentStatus.DELIVERED,
            created_at=at,
            updated_at=at,
            subject_member_id=pair.subject,
            expires_at=at + lifetime,
        )


def _is_personal(thing: Thing | None) -> bool:
    """A member's private thing: its data is the member's (shared ones are shared by choice)."""
    return (
        thing is not None
        and thing.visibility is Visibility.PRIVATE
        and thing.owner_kind.value == "member"
    )


def quiet_hours(start: int | None, end: int | None) -> set[int]:
    """Hours of the day from ``start`` up to (not including) ``end``, across midnight."""
    if start is None or end is None:
        return set()
    return {(start + i) % 24 for i in range((end - start) % 24)}


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
