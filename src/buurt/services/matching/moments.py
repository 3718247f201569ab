"""Moment records for the admitted pairs, added to the publishing unit of work with what must
commit with them: the webhook outbox rows and, for each delivery of a member's data to
someone else, the entry in that member's access log under the grant that allowed it.

Each moment carries its delivery key (``delivery_key``): the relevance gate's publication (the
event, or the (intent, offer) pair) and the recipient, unique in the store. With ``once``
(engine workers, which may match a publication again after a crash or a shard move) a pair
whose key is stored already is skipped: that moment was told before."""

from __future__ import annotations

from datetime import datetime, timedelta

from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.consent import Purpose
from buurt.domain.following import Update
from buurt.domain.ids import new_id
from buurt.domain.moments import Moment, MomentStatus, PublicationKind
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork
from buurt.services.consent import access_log
from buurt.services.consent.decision import Recipient
from buurt.services.matching.candidates import Pair
from buurt.services.webhooks.deliveries import enqueue_webhooks

EVENT_MOMENT_LIFETIME = timedelta(days=1)
NEED_MOMENT_LIFETIME = timedelta(days=7)
_PAGE = 500  # keys per read: far inside every database's limit of parameters


def record_moments(
    uow: UnitOfWork,
    record: Event | Intent | Offer | Update,
    pairs: list[Pair],
    at: datetime,
    *,
    once: bool = False,
) -> list[Moment]:
    """Add a moment per pair to the unit of work (not committed), with its outbox rows and
    access-log entry; with ``once``, only for pairs whose delivery key is not stored yet."""
    keyed = [(delivery_key(record, pair), pair) for pair in pairs]
    if once and keyed:
        told = _told(uow, [key for key, _ in keyed])
        keyed = [(key, pair) for key, pair in keyed if key not in told]
    moments = []
    for key, pair in keyed:
        moment = _moment(record, pair, at, key)
        uow.repo(Moment).add(moment)
        enqueue_webhooks(uow, moment, "moment.created", at)  # committed with the moment
        if pair.grant_id is not None and pair.subject is not None and pair.consent:
            # Delivering a member's data to someone else is a use: it goes in their log.
            kind, ident = pair.recipient
            access_log.record(
                uow,
                pair.subject,
                Recipient(PartyKind(kind), ident),
                pair.consent,
                Purpose.MATCHING,
                f"moment {moment.id}",
                pair.grant_id,
                at=at,
            )
        moments.append(moment)
    return moments


def untold(
    uow: UnitOfWork, record: Event | Intent | Offer | Update, pairs: list[Pair]
) -> list[Pair]:
    """The pairs whose delivery key no stored moment carries yet."""
    keyed = [(delivery_key(record, pair), pair) for pair in pairs]
    told = _told(uow, [key for key, _ in keyed]) if keyed else set()
    return [pair for key, pair in keyed if key not in told]


def _told(uow: UnitOfWork, keys: list[str]) -> set[str]:
    """The keys among ``keys`` that stored moments carry, a page of keys per read."""
    found: set[str] = set()
    for start in range(0, len(keys), _PAGE):
        where = {"delivery_key": keys[start : start + _PAGE]}
        found.update(key for (key,) in uow.repo(Moment).values(("delivery_key",), where))
    return found


def delivery_key(record: Event | Intent | Offer | Update, pair: Pair) -> str:
    """``<publication>|<kind>:<recipient>``: the gate's publication (an event is one
    publication for all its recipients; each pair of a need, or of an update, is its own)."""
    publication = record.id if isinstance(record, Event) else f"{record.id}/{pair.standing.id}"
    kind, ident = pair.recipient
    return f"{publication}|{kind}:{ident}"


def _moment(record: Event | Intent | Offer | Update, pair: Pair, at: datetime, key: str) -> Moment:
    if isinstance(record, Update):  # the moment names what happened, not the update
        source_kind, source_id = record.source_kind, record.source_id
    else:
        source_kind, source_id = PublicationKind(type(record).__name__.lower()), record.id
    lifetime = EVENT_MOMENT_LIFETIME if isinstance(record, Event) else NEED_MOMENT_LIFETIME
    return Moment(
        id=new_id("moment"),
        circle_id=record.circle_id,
        recipient_kind=PartyKind(pair.recipient[0]),
        recipient_id=pair.recipient[1],
        source_kind=source_kind,
        source_id=source_id,
        standing_kind=pair.standing_kind,
        standing_id=pair.standing.id,
        **pair.reason.fields(),
        status=MomentStatus.DELIVERED,
        created_at=at,
        updated_at=at,
        subject_member_id=pair.subject,
        expires_at=at + lifetime,
        delivery_key=key,
    )
