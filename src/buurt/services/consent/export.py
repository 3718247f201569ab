"""Export: everything Buurt holds about a member, gathered in one read transaction.

Most parts are small by nature and come whole. The parts that grow without bound are capped:
a thing's events (``EVENTS_PER_THING``, oldest first) and the moments and access log
(``MAX_ROWS`` each, oldest first). A capped part is named in ``truncated``; its rest is paged
through the API (``GET /v1/events?source_id=...``, ``/v1/moments``, ``/v1/me/access-log``).
Secrets are never exported: no password hash, only token metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from buurt.domain.access import AccessEntry
from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.admission import AdmissionCode, AdmissionRequest, Verification, Vouch
from buurt.domain.automations import Automation
from buurt.domain.bookings import Booking
from buurt.domain.campaigns import Pledge
from buurt.domain.cocreation import Comment, Proposal, Support
from buurt.domain.community import Business, Member, Membership, Site, Thing
from buurt.domain.consent import ConsentGrant
from buurt.domain.errors import NotFound, PermissionDenied
from buurt.domain.following import Follow
from buurt.domain.moderation import Report
from buurt.domain.moments import Moment
from buurt.domain.orders import Order
from buurt.domain.parties import PartyKind
from buurt.domain.reviews import Review
from buurt.domain.stock import Reservation
from buurt.domain.tokens import AccessToken
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services.context import Services
from buurt.services.principals import Principal

T = TypeVar("T")
EVENTS_PER_THING = 1000
MAX_ROWS = 10_000


@dataclass
class ThingData:
    thing: Thing
    events: list[Event]


@dataclass
class BusinessData:
    business: Business
    sites: list[Site]
    offers: list[Offer]
    subscriptions: list[Subscription]
    things: list[ThingData]


@dataclass
class MemberData:
    generated_at: datetime
    member: Member
    memberships: list[Membership]
    intents: list[Intent]
    subscriptions: list[Subscription]
    offers: list[Offer]
    events: list[Event]
    moments: list[Moment]
    consents: list[ConsentGrant]
    access_log: list[AccessEntry]
    things: list[ThingData]
    businesses: list[BusinessData]
    tokens: list[AccessToken]
    orders: list[Order] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    automations: list[Automation] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    supports: list[Support] = field(default_factory=list)
    pledges: list[Pledge] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    verifications: list[Verification] = field(default_factory=list)
    admission_requests: list[AdmissionRequest] = field(default_factory=list)
    vouches: list[Vouch] = field(default_factory=list)  # given and received
    admission_codes: list[AdmissionCode] = field(default_factory=list)  # issued or redeemed
    follows: list[Follow] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)


def _collect(
    uow: UnitOfWork, kind: type[T], any_of: list[Filter], bound: int, name: str, cut: list[str]
) -> list[T]:
    """Up to ``bound`` matching entities in id order; names the part in ``cut`` if there are
    more."""
    found: list[T] = []
    after: str | None = None
    while len(found) < bound:
        page = uow.repo(kind).page(any_of=any_of, after=after, limit=min(500, bound - len(found)))
        found.extend(page.items)
        if page.next_cursor is None:
            return found
        after = page.next_cursor
    if uow.repo(kind).page(any_of=any_of, after=after, limit=1).items:
        cut.append(name)
    return found


def export_member(services: Services, principal: Principal) -> MemberData:
    if not principal.is_member:
        raise PermissionDenied("only members have personal data to export")
    with services.uow() as uow:
        member = uow.repo(Member).get(principal.id)
        if member is None:
            raise NotFound("member", principal.id)
        return _gather(uow, member, services.clock.now())


def _gather(uow: UnitOfWork, member: Member, now: datetime) -> MemberData:
    me = member.id
    cut: list[str] = []
    mine: list[Filter] = [{"owner_kind": PartyKind.MEMBER, "owner_id": me}]

    def things_of(kind: PartyKind, owner: str, where: str) -> list[ThingData]:
        return [
            ThingData(
                t,
                _collect(
                    uow,
                    Event,
                    [{"source_kind": PartyKind.THING, "source_id": t.id}],
                    EVENTS_PER_THING,
                    f"{where}things.{t.id}.events",
                    cut,
                ),
            )
            for t in uow.repo(Thing).find(owner_kind=kind, owner_id=owner)
        ]

    businesses = [
        BusinessData(
            b,
            uow.repo(Site).find(business_id=b.id),
            uow.repo(Offer).find(owner_kind=PartyKind.BUSINESS, owner_id=b.id),
            uow.repo(Subscription).find(owner_kind=PartyKind.BUSINESS, owner_id=b.id),
            things_of(PartyKind.BUSINESS, b.id, f"businesses.{b.id}."),
        )
        for b in uow.repo(Business).find(owner_member_id=me)
    ]
    things = things_of(PartyKind.MEMBER, me, "")
    moments: list[Filter] = [
        {"recipient_kind": "member", "recipient_id": me},
        {"subject_member_id": me},
    ]
    principals: list[Filter] = [
        {"principal_kind": "member", "principal_id": me},
        {"principal_kind": "business", "principal_id": [b.business.id for b in businesses]},
        {
            "principal_kind": "thing",
            "principal_id": [t.thing.id for t in things]
            + [t.thing.id for b in businesses for t in b.things],
        },
    ]
    authored: list[Filter] = [{"author_kind": PartyKind.MEMBER, "author_id": me}]
    return MemberData(
        generated_at=now,
        member=member,
        memberships=uow.repo(Membership).find(member_id=me),
        intents=uow.repo(Intent).find(member_id=me),
        subscriptions=_collect(uow, Subscription, mine, MAX_ROWS, "subscriptions", cut),
        offers=_collect(uow, Offer, mine, MAX_ROWS, "offers", cut),
        events=_collect(
            uow,
            Event,
            [{"source_kind": PartyKind.MEMBER, "source_id": me}],
            MAX_ROWS,
            "events",
            cut,
        ),
        moments=_collect(uow, Moment, moments, MAX_ROWS, "moments", cut),
        consents=uow.repo(ConsentGrant).find(member_id=me),
        access_log=_collect(uow, AccessEntry, [{"member_id": me}], MAX_ROWS, "access_log", cut),
        things=things,
        businesses=businesses,
        tokens=_collect(uow, AccessToken, principals, MAX_ROWS, "tokens", cut),
        orders=_collect(uow, Order, [{"member_id": me}], MAX_ROWS, "orders", cut),
        reservations=_collect(uow, Reservation, [{"member_id": me}], MAX_ROWS, "reservations", cut),
        bookings=_collect(uow, Booking, [{"member_id": me}], MAX_ROWS, "bookings", cut),
        automations=_collect(uow, Automation, [{"member_id": me}], MAX_ROWS, "automations", cut),
        proposals=_collect(uow, Proposal, authored, MAX_ROWS, "proposals", cut),
        comments=_collect(uow, Comment, authored, MAX_ROWS, "comments", cut),
        supports=_collect(uow, Support, [{"member_id": me}], MAX_ROWS, "supports", cut),
        pledges=_collect(uow, Pledge, [{"member_id": me}], MAX_ROWS, "pledges", cut),
        reviews=_collect(uow, Review, [{"member_id": me}], MAX_ROWS, "reviews", cut),
        verifications=uow.repo(Verification).find(member_id=me),
        admission_requests=uow.repo(AdmissionRequest).find(member_id=me),
        vouches=_collect(
            uow, Vouch, [{"member_id": me}, {"voucher_id": me}], MAX_ROWS, "vouches", cut
        ),
        admission_codes=_collect(
            uow,
            AdmissionCode,
            [{"used_by": me}, {"issued_by_id": [me, *(b.business.id for b in businesses)]}],
            MAX_ROWS,
            "admission_codes",
            cut,
        ),
        follows=_collect(uow, Follow, [{"member_id": me}], MAX_ROWS, "follows", cut),
        reports=_collect(uow, Report, [{"reporter_id": me}], MAX_ROWS, "reports", cut),
        truncated=cut,
    )
