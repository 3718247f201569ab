"""What a thing's page shows: the thing, its owner and circle, a day of its events, who may
see its data and the moments it triggered, all read under the access policies.

One read use case (``thing_view``) gathers everything in one unit of work, so a page is a
consistent snapshot; ``events_since`` serves the live stream's catch-up. Moments and consent
grants are personal: a viewer sees only those the moment and consent policies show them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from buurt.domain.activity import Event
from buurt.domain.bookings import Bookable
from buurt.domain.community import Business, Circle, Member, Thing
from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.errors import NotFound
from buurt.domain.ids import cursor_at
from buurt.domain.moments import Moment
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork
from buurt.services import resources
from buurt.services.consent.decision import Recipient, decide, may_use
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import moments
from buurt.services.sharing import bookables, bookings
from buurt.services.things import registry

WINDOW = timedelta(hours=24)
# Ids carry the time an event was received; an event that occurred in the window was
# received at most this much before the window opens (a device's clock may run ahead).
CLOCK_SLACK = timedelta(hours=1)
MAX_EVENTS = 5000
_PAGE = 500


@dataclass(frozen=True)
class ThingView:
    thing: Thing
    circle: Circle
    owner_name: str
    is_owner: bool
    grant: ConsentGrant | None
    grants: Sequence[ConsentGrant]
    recipient_names: Mapping[str, str]
    events: Sequence[Event]
    truncated: bool
    moments: Sequence[Moment]
    since: datetime
    until: datetime
    bookable: Bookable | None = None
    calendar: Sequence[bookings.Slot] = ()
    """The thing's booked slots of the next days, when it is bookable and the viewer may see
    its terms (a neighbour who may book it, or its owner)."""


def thing_view(services: Services, principal: Principal, thing_id: str) -> ThingView:
    """The page of a thing the principal may see (``NotFound`` otherwise)."""
    now = services.clock.now()
    since = now - WINDOW
    with services.uow() as uow:
        thing = _read(uow, principal, thing_id, now, f"page of thing {thing_id}")
        circle = uow.repo(Circle).get(thing.circle_id)
        assert circle is not None  # a thing's circle outlives it (foreign key)
        is_owner = registry.owns(principal, thing)
        recent, truncated = _events_between(uow, thing.id, since, now)
        grant = None if is_owner else _grant_shown_to(uow, principal, thing, now)
        grants = _grants(uow, thing) if is_owner else []
        bookable = _bookable(uow, principal, thing)
        calendar = bookings.calendar(uow, principal, bookable, now) if bookable else []
        uow.commit()  # the access log entry of this read
        return ThingView(
            thing=thing,
            circle=circle,
            owner_name=_owner_name(uow, principal, thing, is_owner),
            is_owner=is_owner,
            grant=grant,
            grants=grants,
            recipient_names=_recipient_names(uow, [*grants, *([grant] if grant else [])]),
            events=recent,
            truncated=truncated,
            moments=_moments(uow, principal, [e.id for e in recent]),
            since=since,
            until=now,
            bookable=bookable,
            calendar=calendar,
        )


def _bookable(uow: UnitOfWork, principal: Principal, thing: Thing) -> Bookable | None:
    found = uow.repo(Bookable).find(thing_id=thing.id)
    if not found or not bookables.POLICY.visible(uow, principal, found[0]):
        return None
    return found[0]


def _grant_shown_to(
    uow: UnitOfWork, principal: Principal, thing: Thing, at: datetime
) -> ConsentGrant | None:
    """The grant a business sees a member's thing under (see ``registry.ThingPolicy``)."""
    if thing.owner_kind is not PartyKind.MEMBER or principal.kind is not PartyKind.BUSINESS:
        return None
    recipient = Recipient(PartyKind.BUSINESS, principal.id)
    return may_use(
        uow,
        recipient,
        thing.owner_id,
        DataCategory.THING_DATA,
        Purpose.SERVICE_DELIVERY,
        at,
        thing.id,
    )


def events_since(
    services: Services, principal: Principal, thing_id: str, after: str, limit: int = _PAGE
) -> list[Event]:
    """The thing's events after the event id ``after``, oldest first (``NotFound`` if the
    principal may not see the thing)."""
    with services.uow() as uow:
        thing = _read(uow, principal, thing_id, services.clock.now(), f"events of {thing_id}")
        page = uow.repo(Event).page(
            where={"source_kind": PartyKind.THING, "source_id": thing.id},
            after=after,
            limit=limit,
        )
        uow.commit()
        return list(page.items)


def zone_of(services: Services, principal: Principal, thing_id: str) -> str:
    """The timezone of the thing's circle (``NotFound`` if the principal may not see it)."""
    with services.uow() as uow:
        thing = resources.fetch(uow, principal, Thing, registry.POLICY, thing_id)
        circle = uow.repo(Circle).get(thing.circle_id)
        return circle.timezone if circle else "UTC"


def may_see(services: Services, principal: Principal, thing_id: str) -> bool:
    """Whether the principal may still see the thing (a stream asks before each event): the
    policy and, for a member's thing seen by a business, the consent decision. Not logged:
    the reads the stream then makes are."""
    with services.uow() as uow:
        thing = uow.repo(Thing).get(thing_id)
        if thing is None or not registry.POLICY.visible(uow, principal, thing):
            return False
        use = registry.POLICY.personal(uow, principal, thing)
        if use is None:
            return True
        at = services.clock.now()
        basis = decide(uow, principal, use.member_id, use.category, use.purpose, at, use.thing_id)
        return basis is not None


def _read(uow: UnitOfWork, principal: Principal, thing_id: str, at: datetime, what: str) -> Thing:
    """A thing the principal may see, its read logged when it uses a member's data."""
    thing = resources.fetch(uow, principal, Thing, registry.POLICY, thing_id)
    if not resources.consented(uow, principal, registry.POLICY, thing, at, what):
        raise NotFound("thing", thing_id)
    return thing


def _events_between(
    uow: UnitOfWork, thing_id: str, since: datetime, until: datetime
) -> tuple[list[Event], bool]:
    found: list[Event] = []
    cursor: str | None = cursor_at("event", since - CLOCK_SLACK)
    while cursor is not None and len(found) < MAX_EVENTS:
        page = uow.repo(Event).page(
            where={"source_kind": PartyKind.THING, "source_id": thing_id},
            after=cursor,
            limit=_PAGE,
        )
        found.extend(e for e in page.items if since <= e.occurred_at <= until)
        cursor = page.next_cursor
    found.sort(key=lambda e: (e.occurred_at, e.id))
    return found[:MAX_EVENTS], cursor is not None


def _owner_name(uow: UnitOfWork, principal: Principal, thing: Thing, is_owner: bool) -> str:
    """Businesses and circles are named; a neighbour is named to their own circle only."""
    if thing.owner_kind is PartyKind.BUSINESS:
        business = uow.repo(Business).get(thing.owner_id)
        return business.name if business else "a business"
    if thing.owner_kind is PartyKind.CIRCLE:
        circle = uow.repo(Circle).get(thing.owner_id)
        return circle.name if circle else "the circle"
    if is_owner:
        return "you"
    member = uow.repo(Member).get(thing.owner_id)
    if member is not None and thing.circle_id in principal.circles:
        return member.name
    return "a neighbour"


def _grants(uow: UnitOfWork, thing: Thing) -> list[ConsentGrant]:
    if thing.owner_kind is not PartyKind.MEMBER:
        return []
    return uow.repo(ConsentGrant).find(
        member_id=thing.owner_id, category=DataCategory.THING_DATA, thing_id=thing.id
    )


def _recipient_names(uow: UnitOfWork, grants: Sequence[ConsentGrant]) -> dict[str, str]:
    names: dict[str, str] = {}
    for grant in grants:
        found: Business | Circle | None = None
        if grant.recipient_kind is PartyKind.BUSINESS:
            found = uow.repo(Business).get(grant.recipient_id)
        elif grant.recipient_kind is PartyKind.CIRCLE:
            found = uow.repo(Circle).get(grant.recipient_id)
        names[grant.recipient_id] = found.name if found else grant.recipient_id
    return names


def _moments(uow: UnitOfWork, principal: Principal, event_ids: list[str]) -> list[Moment]:
    """Moments the events triggered that the principal may see (they are someone's own)."""
    scope = moments.POLICY.scope(uow, principal)
    found: list[Moment] = []
    for start in range(0, len(event_ids), _PAGE):
        chunk = event_ids[start : start + _PAGE]
        found.extend(
            uow.repo(Moment)
            .page(where={"source_kind": "event", "source_id": chunk}, any_of=scope, limit=_PAGE)
            .items
        )
    return sorted(found, key=lambda m: m.created_at, reverse=True)
