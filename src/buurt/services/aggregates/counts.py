"""Aggregates for businesses: counts per H3 cell, category and local hour, never profiles.

The rules, in order: only a business of the circle asks (itself, or a member for a business
they own); the charter must allow the kind; the window is snapped to whole past days; the same
question again gets the same answer; a question whose answer, set against an earlier answer
of the same business, would isolate fewer than k members is refused; buckets with fewer than
k distinct members are suppressed; with ``dp_epsilon`` in the charter, counts get Laplace noise
paid from the business's privacy budget. See docs/aggregates.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import h3

from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.aggregates import (
    AggregateQuery,
    Ask,
    Record,
    Window,
    bucket_json,
    buckets,
    isolating_difference,
    released,
)
from buurt.domain.charter import AggregateKind, CharterVersion
from buurt.domain.community import Business, Circle
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.events import AggregateIncluded
from buurt.domain.ids import new_id
from buurt.domain.moments import Moment
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Place
from buurt.ports import UnitOfWork
from buurt.ports.store import Between
from buurt.services.aggregates import privacy
from buurt.services.charter import proposals
from buurt.services.consent import access_log
from buurt.services.consent.decision import Recipient
from buurt.services.context import Services
from buurt.services.principals import Principal

T = TypeVar("T")


@dataclass
class Answer:
    query: AggregateQuery
    k: int
    repeated: bool
    budget_left: float | None = None


# What an aggregate of each kind counts of a member, for their access log.
_CATEGORY_OF = {
    AggregateKind.INTENTS: DataCategory.INTENTS,
    AggregateKind.MOMENTS: DataCategory.PREFERENCES,
}


def _business(
    uow: UnitOfWork, principal: Principal, circle_id: str, business_id: str | None
) -> str:
    if principal.kind is PartyKind.BUSINESS:
        ident = business_id or principal.id
    elif principal.is_member and business_id is not None:
        ident = business_id
    else:
        raise PermissionDenied("aggregates are for businesses (a member passes business_id)")
    if not principal.acts_for("business", ident):
        raise PermissionDenied("you do not act for that business")
    business = uow.repo(Business).get(ident)
    if business is None or business.circle_id != circle_id:
        raise PermissionDenied("only businesses of this circle see its aggregates")
    return ident


def answer(
    services: Services,
    principal: Principal,
    circle_id: str,
    *,
    kind: AggregateKind,
    resolution: int,
    start: datetime | None = None,
    end: datetime | None = None,
    business_id: str | None = None,
) -> Answer:
    now = services.clock.now()
    with services.uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
        if circle is None:
            raise NotFound("circle", circle_id)
        business = _business(uow, principal, circle_id, business_id)
        rules = proposals.in_force(uow, circle_id, now)
        if not rules.allows(kind):
            raise PermissionDenied(f"this circle's charter does not show {kind} to businesses")
        window = Window.snap(start, end, circle.timezone, now)
        asked = uow.repo(AggregateQuery).find(
            circle_id=circle_id, business_id=business, kind=kind.value
        )
        for previous in asked:
            if previous.ask == Ask(window, resolution):
                return Answer(previous, rules.k, True, _left(uow, rules, circle_id, business, now))
        overlapping = [q for q in asked if q.ask.window.overlaps(window)]
        span = Window(
            min([window.start, *(q.window_from for q in overlapping)]),
            max([window.end, *(q.window_until for q in overlapping)]),
        )
        records = list(_records(uow, circle, kind, span))
        new = Ask(window, resolution)
        for previous in overlapping:
            if isolating_difference(records, new, previous.ask, rules.k) is not None:
                raise Conflict(
                    "set against an earlier answer to this business, this answer would single "
                    f"out fewer than {rules.k} members; ask for a window or resolution that "
                    "does not overlap your earlier questions this way"
                )
        query, included = _answer(uow, rules, circle_id, business, kind, new, records, now)
        uow.repo(AggregateQuery).add(query)
        for member_id in sorted(included):  # inclusion in an aggregate is a use of their data
            access_log.record(
                uow,
                member_id,
                Recipient(PartyKind.BUSINESS, business),
                _CATEGORY_OF[kind],
                Purpose.ANALYTICS,
                f"aggregate {query.id}",
                role=f"the charter of {circle_id} (counts of at least {rules.k} members)",
                at=now,
            )
        services.commit(uow, AggregateIncluded(circle_id, business, query.id, kind.value, included))
        left = _left(uow, rules, circle_id, business, now)
    return Answer(query, rules.k, False, left)


def _answer(
    uow: UnitOfWork,
    rules: CharterVersion,
    circle_id: str,
    business: str,
    kind: AggregateKind,
    ask: Ask,
    records: list[Record],
    now: datetime,
) -> tuple[AggregateQuery, frozenset[str]]:
    """The answer to store, and the members counted in its released buckets."""
    epsilon = 0.0
    counted = records
    if rules.dp_epsilon is not None:
        epsilon = privacy.charge(
            uow, circle_id, business, now, epsilon=rules.dp_epsilon, budget=rules.dp_budget
        )
        counted = privacy.bounded([r for r in records if ask.window.contains(r.at)])
    shown = sorted(
        released(buckets(counted, ask.window, ask.resolution), rules.k).values(),
        key=lambda b: (b.cell, b.category, b.hour),
    )
    counts = [b.count for b in shown]
    if rules.dp_epsilon is not None:
        counts = privacy.noisy(counts, rules.dp_epsilon)
    included = frozenset().union(*(b.members for b in shown))
    query = AggregateQuery(
        new_id("aggregate_query"),
        circle_id,
        business,
        kind.value,
        ask.resolution,
        ask.window.start,
        ask.window.end,
        now,
        epsilon,
        [bucket_json(b, c) for b, c in zip(shown, counts, strict=True)],
    )
    return query, included


def _left(
    uow: UnitOfWork, rules: CharterVersion, circle_id: str, business: str, now: datetime
) -> float | None:
    if rules.dp_epsilon is None:
        return None
    return max(0.0, rules.dp_budget - privacy.spent(uow, circle_id, business, now))


def _all(uow: UnitOfWork, kind: type[T], where: dict[str, Any]) -> Iterator[T]:
    cursor = None
    while True:
        page = uow.repo(kind).page(where=where, after=cursor, limit=500)
        yield from page.items
        cursor = page.next_cursor
        if cursor is None:
            return


def _anchor(area: Area) -> Place:
    """The one point an area is counted at: its centre, its vertices' mean, or a cell's centre."""
    if area.center is not None:
        return area.center
    if area.polygon:
        n = len(area.polygon)
        return Place(sum(p.lat for p in area.polygon) / n, sum(p.lon for p in area.polygon) / n)
    lat, lon = h3.cell_to_latlng(min(area.cells))
    return Place(lat, lon)


def _record(
    ident: str, member: str, at: datetime, place: Place, category: str, zone: ZoneInfo
) -> Record:
    cells = (h3.latlng_to_cell(place.lat, place.lon, 7), h3.latlng_to_cell(place.lat, place.lon, 8))
    return Record(ident, member, at, cells, category, at.astimezone(zone).hour)


def _records(
    uow: UnitOfWork, circle: Circle, kind: AggregateKind, span: Window
) -> Iterator[Record]:
    zone = ZoneInfo(circle.timezone)
    where = {"circle_id": circle.id, "created_at": Between(span.start, span.end)}
    if kind is AggregateKind.INTENTS:
        for intent in _all(uow, Intent, where):
            place = _anchor(intent.area)
            yield _record(
                intent.id, intent.member_id, intent.created_at, place, intent.category, zone
            )
        return
    for moment in _all(uow, Moment, where):
        member = moment.subject_member_id or (
            moment.recipient_id if moment.recipient_kind == "member" else None
        )
        where_what = _moment_place(uow, moment)
        if member is not None and where_what is not None:
            yield _record(moment.id, member, moment.created_at, *where_what, zone)


def _where_what(uow: UnitOfWork, kind: str, ident: str) -> tuple[Place, str] | None:
    if kind == "intent" and (intent := uow.repo(Intent).get(ident)):
        return _anchor(intent.area), intent.category
    if kind == "event" and (event := uow.repo(Event).get(ident)):
        return event.place, event.kind
    if kind == "offer" and (offer := uow.repo(Offer).get(ident)):
        return _anchor(offer.area), offer.category
    if kind == "subscription" and (sub := uow.repo(Subscription).get(ident)):
        return _anchor(sub.area), sub.categories[0]
    return None


def _moment_place(uow: UnitOfWork, moment: Moment) -> tuple[Place, str] | None:
    """Where and what a moment was about: what caused it (an event, intent or offer), else
    what it matched (a subscription, offer or intent); ``None`` when neither is stored."""
    return _where_what(uow, moment.source_kind, moment.source_id) or _where_what(
        uow, moment.standing_kind, moment.standing_id
    )
