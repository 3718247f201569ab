"""Erasure: a member deletes their account and the personal data Buurt holds about them.

One transaction, after the member proves it is them with their password:

- the profile is deleted (not kept anonymised: nothing needs it), so the email is free again;
- memberships, intents, subscriptions, offers as a neighbour, consent grants, events they
  published and every token (theirs, their businesses', their things') are deleted;
- things they own are deleted with their events;
- businesses they own are deleted with their sites, offers, subscriptions, things, events,
  tokens and the grants members gave them: a business has one owner and cannot be handed
  over, and its name usually names the owner, so an anonymised business would be an orphan
  nobody can run that still points at the person;
- moments for them (or their businesses) and moments about them are deleted, except fulfilled
  ones: the other party depends on those, so they are kept with every reference to the erased
  member and their records replaced by ``erased`` and the reason text blanked;
- moments of others that only point at the member's records are kept with those references
  replaced by ``erased``;
- their access log is deleted; entries in others' logs that name them (an admin's reads, their
  businesses' uses) keep the entry but say ``erased`` instead of the principal's id;
- their verifications, admission requests and the vouches they gave or got are deleted; codes
  they issued or redeemed stay (a used code must stay used) without naming them;
- if they were a circle's last admin, the longest-standing remaining member becomes admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from buurt.domain.access import ERASED, AccessEntry
from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.admission import AdmissionCode, AdmissionRequest, Verification, Vouch
from buurt.domain.aggregates import AggregateQuery
from buurt.domain.automations import Automation
from buurt.domain.bookings import Bookable, Booking
from buurt.domain.charter import CharterProposal, CharterVote
from buurt.domain.community import Business, Member, Membership, Role, Site, Thing
from buurt.domain.consent import ConsentGrant
from buurt.domain.errors import NotFound, PermissionDenied
from buurt.domain.events import (
    ConsentDeleted,
    DomainEvent,
    MemberErased,
    StandingRemoved,
    StockRemoved,
    ThingRemoved,
)
from buurt.domain.ingestion import RejectedEvent
from buurt.domain.moments import Moment, MomentStatus, PublicationKind
from buurt.domain.orders import Order
from buurt.domain.parties import PartyKind
from buurt.domain.stock import Item, Reservation, ReservationStatus, Stock
from buurt.domain.tokens import AccessToken
from buurt.domain.webhooks import WebhookEndpoint
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services.cocreation import erasure as cocreation
from buurt.services.commerce import stock
from buurt.services.context import Services
from buurt.services.principals import Principal

T = TypeVar("T", bound="_Identified")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


@dataclass
class Erased:
    """What an erasure removed, announced so in-memory indexes drop it too."""

    member_id: str
    ids: set[str] = field(default_factory=set)
    events: list[DomainEvent] = field(default_factory=list)
    released: list[str] = field(default_factory=list)  # stock whose held units came back

    def remove(
        self,
        uow: UnitOfWork,
        kind: type[T],
        entities: Iterable[T],
        removed: Callable[[T], DomainEvent] | None = None,
    ) -> None:
        """Delete the entities; ``removed`` makes the event that tells handlers of each."""
        for entity in entities:
            self.ids.add(str(entity.id))
            uow.repo(kind).delete(entity)
            if removed is not None:
                self.events.append(removed(entity))


def everything(uow: UnitOfWork, kind: type[T], any_of: list[Filter]) -> list[T]:
    """Every entity matching one of the filters, paging through the store."""
    found: list[T] = []
    after: str | None = None
    while True:
        page = uow.repo(kind).page(any_of=any_of, after=after, limit=500)
        found.extend(page.items)
        if page.next_cursor is None:
            return found
        after = page.next_cursor


def erase_member(services: Services, principal: Principal, password: str) -> Erased:
    if not principal.is_member:
        raise PermissionDenied("only a member can erase their account")
    with services.uow() as uow:
        member = uow.repo(Member).get(principal.id)
        if member is None:
            raise NotFound("member", principal.id)
        if not services.passwords.verify(member.password_hash, password):
            raise PermissionDenied("the password is not right")
        erased = Erased(member.id, {member.id})
        _erase(uow, member, erased, services.clock.now())
        # Last, the erased profile itself, so listeners keyed by member (the consent book,
        # the engine's per-recipient settings) forget the member.
        services.commit(uow, *erased.events, MemberErased(member.id))
    stock.announce(services, erased.released)
    return erased


def _erase(uow: UnitOfWork, member: Member, erased: Erased, at: datetime) -> None:
    businesses = uow.repo(Business).find(owner_member_id=member.id)
    biz = sorted(b.id for b in businesses)
    erased.ids.update(biz)
    owners: list[Filter] = [
        {"owner_kind": PartyKind.MEMBER, "owner_id": member.id},
        {"owner_kind": PartyKind.BUSINESS, "owner_id": biz},
    ]
    things = everything(
        uow,
        Thing,
        [
            {"owner_kind": PartyKind.MEMBER, "owner_id": member.id},
            {"owner_kind": PartyKind.BUSINESS, "owner_id": biz},
        ],
    )
    thing_ids = sorted(t.id for t in things)
    sources: list[Filter] = [
        {"source_kind": PartyKind.MEMBER, "source_id": member.id},
        {"source_kind": PartyKind.BUSINESS, "source_id": biz},
        {"source_kind": PartyKind.THING, "source_id": thing_ids},
    ]
    erased.remove(uow, Event, everything(uow, Event, sources))
    principals: list[Filter] = [
        {"principal_kind": "member", "principal_id": member.id},
        {"principal_kind": "business", "principal_id": biz},
        {"principal_kind": "thing", "principal_id": thing_ids},
    ]
    erased.remove(uow, AccessToken, everything(uow, AccessToken, principals))
    _bookings(uow, member.id, erased)
    erased.remove(uow, Thing, things, lambda t: ThingRemoved(t.id))
    erased.remove(uow, Offer, everything(uow, Offer, owners), StandingRemoved)
    erased.remove(uow, Subscription, everything(uow, Subscription, owners), StandingRemoved)
    erased.remove(uow, Intent, uow.repo(Intent).find(member_id=member.id), StandingRemoved)
    grants: list[Filter] = [
        {"member_id": member.id},
        {"recipient_kind": PartyKind.BUSINESS, "recipient_id": biz},
    ]
    erased.remove(
        uow, ConsentGrant, everything(uow, ConsentGrant, grants), lambda g: ConsentDeleted(g.id)
    )
    _reservations(uow, member.id, biz, erased, at)
    for business in businesses:
        erased.remove(uow, Site, uow.repo(Site).find(business_id=business.id))
    _moments(uow, member.id, biz, erased)
    _access_log(uow, member.id, biz, erased)
    _around(uow, member.id, biz, thing_ids, erased)
    _admission(uow, member.id, biz, erased)
    _memberships(uow, member.id, erased)
    # Orders at the member's own businesses go with the businesses; their orders elsewhere stay
    # with those businesses, without them.
    erased.remove(uow, Order, everything(uow, Order, [{"business_id": biz}]))
    for order in uow.repo(Order).find(member_id=member.id):
        order.member_id = None
    uow.flush()
    cocreation.forget_member(uow, member.id, biz, at)
    erased.remove(uow, Business, businesses)
    uow.flush()
    erased.remove(uow, Member, [member])


def _reservations(
    uow: UnitOfWork, member_id: str, biz: list[str], erased: Erased, now: datetime
) -> None:
    """The member's own businesses' stock goes with them (reservations, stock, items, in
    that order); their reservations elsewhere stay with those businesses without them, the
    held ones let go first so their units return."""
    at_theirs: list[Filter] = [{"business_id": biz}]
    erased.remove(uow, Reservation, everything(uow, Reservation, at_theirs))
    uow.flush()
    erased.remove(uow, Stock, everything(uow, Stock, at_theirs), StockRemoved)
    uow.flush()
    erased.remove(uow, Item, everything(uow, Item, at_theirs))
    uow.flush()
    for reservation in uow.repo(Reservation).find(member_id=member_id):
        if reservation.status is ReservationStatus.HELD:
            reservation.end(ReservationStatus.CANCELLED, now)
            uow.shift(Reservation, reservation.id, held=-reservation.quantity)
            uow.shift(Stock, reservation.stock_id, held=-reservation.quantity, version=1)
            erased.released.append(reservation.stock_id)
        reservation.member_id = None


def _bookings(uow: UnitOfWork, member_id: str, erased: Erased) -> None:
    """A member's automations go. Their bookings say when they used a thing: they go, with
    the owners' moments about them, and the member's name leaves the lists of who may book.
    Bookings of the member's own things go with the things (the store cascades)."""
    mine = everything(uow, Booking, [{"member_id": member_id}])
    told: list[Filter] = [
        {"source_kind": PublicationKind.BOOKING, "source_id": sorted(b.id for b in mine)}
    ]
    erased.remove(uow, Moment, everything(uow, Moment, told))
    erased.remove(uow, Booking, mine)
    circles = sorted(m.circle_id for m in uow.repo(Membership).find(member_id=member_id))
    for bookable in everything(uow, Bookable, [{"circle_id": circles}]):
        if member_id in bookable.named_members:
            bookable.named_members = [m for m in bookable.named_members if m != member_id]
    erased.remove(uow, Automation, uow.repo(Automation).find(member_id=member_id))
    # Before the things go: their cascade must not delete what is already being deleted.
    uow.flush()


def _moments(uow: UnitOfWork, member_id: str, biz: list[str], erased: Erased) -> None:
    """Delete the member's moments and those about them, but keep, anonymised, what another
    party depends on: fulfilled moments, and others' moments that point at erased records."""
    theirs: list[Filter] = [
        {"recipient_kind": "member", "recipient_id": member_id},
        {"recipient_kind": "business", "recipient_id": biz},
        {"subject_member_id": member_id},
    ]
    for moment in everything(uow, Moment, theirs):
        if moment.status is MomentStatus.FULFILLED:
            _anonymise(moment, erased.ids)
        else:
            erased.remove(uow, Moment, [moment])
    pointing: list[Filter] = [
        {"source_id": sorted(erased.ids)},
        {"standing_id": sorted(erased.ids)},
    ]
    for moment in everything(uow, Moment, pointing):
        if moment.id not in erased.ids:
            _anonymise(moment, erased.ids)


def _anonymise(moment: Moment, ids: set[str]) -> None:
    if moment.subject_member_id in ids:
        moment.subject_member_id = None
    for name in ("recipient_id", "source_id", "standing_id"):
        if getattr(moment, name) in ids:
            setattr(moment, name, ERASED)
    moment.reason = ERASED
    moment.reason_code, moment.reason_args = "", {}  # the arguments quote what was erased


def _access_log(uow: UnitOfWork, member_id: str, biz: list[str], erased: Erased) -> None:
    own = everything(uow, AccessEntry, [{"member_id": member_id}])
    erased.remove(uow, AccessEntry, own)
    by_them: list[Filter] = [
        {"principal_kind": "member", "principal_id": member_id},
        {"principal_kind": "business", "principal_id": biz},
    ]
    for entry in everything(uow, AccessEntry, by_them):
        entry.principal_id = ERASED
        if entry.grant_id in erased.ids:
            entry.grant_id = ERASED


def _around(
    uow: UnitOfWork, member_id: str, biz: list[str], thing_ids: list[str], erased: Erased
) -> None:
    """What other capabilities keep about the member: votes go (a closed proposal keeps its
    tally), proposals stay on record without their proposer, and the dead letters of their
    things, their businesses' aggregate queries and their webhooks are removed."""
    erased.remove(uow, CharterVote, uow.repo(CharterVote).find(member_id=member_id))
    for proposal in uow.repo(CharterProposal).find(member_id=member_id):
        proposal.member_id = None
    erased.remove(uow, RejectedEvent, everything(uow, RejectedEvent, [{"thing_id": thing_ids}]))
    erased.remove(uow, AggregateQuery, everything(uow, AggregateQuery, [{"business_id": biz}]))
    hooks: list[Filter] = [
        {"owner_kind": "member", "owner_id": member_id},
        {"owner_kind": "business", "owner_id": biz},
    ]
    erased.remove(uow, WebhookEndpoint, everything(uow, WebhookEndpoint, hooks))


def _admission(uow: UnitOfWork, member_id: str, biz: list[str], erased: Erased) -> None:
    vouches: list[Filter] = [{"member_id": member_id}, {"voucher_id": member_id}]
    erased.remove(uow, Vouch, everything(uow, Vouch, vouches))
    erased.remove(uow, Verification, uow.repo(Verification).find(member_id=member_id))
    uow.flush()
    erased.remove(uow, AdmissionRequest, uow.repo(AdmissionRequest).find(member_id=member_id))
    codes: list[Filter] = [{"used_by": member_id}, {"issued_by_id": [member_id, *biz]}]
    for code in everything(uow, AdmissionCode, codes):
        if code.used_by == member_id:
            code.used_by = None
        if code.issued_by_id in (member_id, *biz):
            code.issued_by_id = None


def _memberships(uow: UnitOfWork, member_id: str, erased: Erased) -> None:
    for membership in uow.repo(Membership).find(member_id=member_id):
        others = [
            m
            for m in uow.repo(Membership).find(circle_id=membership.circle_id)
            if m.member_id != member_id
        ]
        admins = [m for m in others if m.role is Role.ADMIN]
        if membership.role is Role.ADMIN and others and not admins:
            # A circle keeps an admin: the longest-standing member takes over.
            min(others, key=lambda m: (m.joined_at, m.id)).role = Role.ADMIN
        erased.remove(uow, Membership, [membership])
