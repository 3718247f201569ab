"""What a circle's admin sees of it: its members with their roles, its businesses and its
things; and the few figures of the instance an admin watches.

Only an admin of the circle reads the roster (``NotFound`` for anyone else, so it does not
tell which circles exist). Members' email addresses are not in it: an admin needs names and
roles to run the circle, not a mailing list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from buurt.domain.charter import CharterProposal, CharterProposalStatus
from buurt.domain.community import Business, Circle, Member, Membership, Role, Thing
from buurt.domain.errors import NotFound
from buurt.domain.webhooks import DeliveryStatus, WebhookDelivery
from buurt.ports import UnitOfWork
from buurt.services.context import Services
from buurt.services.principals import Principal

CHUNK = 500  # ids per read; a page holds at most this many
PAGE = 50  # members on a page of the roster


@dataclass(frozen=True)
class Seat:
    member_id: str
    name: str
    role: Role
    joined_at: datetime


@dataclass(frozen=True)
class Roster:
    circle: Circle
    admins: list[Seat]  # every admin, by name: few, and always shown
    seats: list[Seat]  # a page of the other members, in the order they joined
    members: int  # everyone in the circle, admins too
    next_cursor: str | None  # where the next page of ``seats`` starts
    businesses: list[Business]
    things: list[Thing]
    open_proposals: int


@dataclass(frozen=True)
class Figures:
    """What the instance holds and has waiting, counted in the store."""

    members: int
    circles: int
    things: int
    pending_deliveries: int
    failed_deliveries: int


def roster(
    services: Services,
    principal: Principal,
    circle_id: str,
    *,
    after: str | None = None,
    limit: int = PAGE,
) -> Roster:
    """The circle as its admin runs it. Members come a page at a time (a city's circle has
    thousands), read by the store in join order; the admins are always all there."""
    if circle_id not in principal.admin_of:
        raise NotFound("circle", circle_id)
    with services.uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
        if circle is None:
            raise NotFound("circle", circle_id)
        memberships = uow.repo(Membership)
        admins = memberships.find(circle_id=circle_id, role=Role.ADMIN)
        others = memberships.page(
            where={"circle_id": circle_id, "role": [r for r in Role if r is not Role.ADMIN]},
            after=after,
            limit=limit,
        )
        people = _members(uow, [s.member_id for s in [*admins, *others.items]])

        def seats(of: Sequence[Membership]) -> list[Seat]:
            return [
                Seat(s.member_id, people[s.member_id].name, s.role, s.joined_at)
                for s in of
                if s.member_id in people
            ]

        businesses = sorted(
            uow.repo(Business).find(circle_id=circle_id), key=lambda b: b.name.lower()
        )
        things = sorted(
            uow.repo(Thing).find(circle_id=circle_id), key=lambda t: (t.kind, t.name.lower())
        )
        open_proposals = len(
            uow.repo(CharterProposal).find(circle_id=circle_id, status=CharterProposalStatus.OPEN)
        )
        return Roster(
            circle,
            sorted(seats(admins), key=lambda s: s.name.lower()),
            seats(others.items),
            memberships.count(circle_id=circle_id),
            others.next_cursor,
            businesses,
            things,
            open_proposals,
        )


def member_names(services: Services, ids: list[str]) -> dict[str, str]:
    """The names of the members of ``ids`` (those asking to join, say), read in bulk."""
    with services.uow() as uow:
        return {ident: member.name for ident, member in _members(uow, ids).items()}


def _members(uow: UnitOfWork, ids: list[str]) -> dict[str, Member]:
    """The members of ``ids``, read a page at a time rather than one by one."""
    found: dict[str, Member] = {}
    for start in range(0, len(ids), CHUNK):
        page = uow.repo(Member).page(where={"id": ids[start : start + CHUNK]}, limit=CHUNK)
        found.update((m.id, m) for m in page.items)
    return found


def figures(services: Services, principal: Principal) -> Figures:
    """The instance's counts, for an admin of any circle."""
    if not principal.admin_of:
        raise NotFound("instance", "figures")
    with services.uow() as uow:
        return Figures(
            members=uow.repo(Member).count(),
            circles=uow.repo(Circle).count(),
            things=uow.repo(Thing).count(),
            pending_deliveries=uow.repo(WebhookDelivery).count(status=DeliveryStatus.PENDING),
            failed_deliveries=uow.repo(WebhookDelivery).count(status=DeliveryStatus.FAILED),
        )
