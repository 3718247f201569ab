"""Staff: the owner of a business says which members work for it (``domain.staff``).

The owner adds a member of the business's circle by their email address or member id, and
removes them; a member who works for a shop may also stop (remove themselves). Whoever acts
for the business (its owner, its tokens, its staff) reads the list; managing it is the
owner's alone (``Principal.owns``). A member with another role reads nothing of it.

Whom the owner names is checked only against the circle's members, and every miss gives the
same answer, so the form does not tell who has an account elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from buurt.domain.community import Business, Member, Membership
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from buurt.domain.ids import new_id
from buurt.domain.staff import MAX_STAFF, Staff
from buurt.ports import UnitOfWork
from buurt.services.context import Services
from buurt.services.principals import Principal

NOBODY = "no member of the shop's circle has this email address or member id"


@dataclass(frozen=True)
class Colleague:
    """One who works for the business, as its staff list shows them."""

    member_id: str
    name: str  # not their email address: the shop needs to know who, not how to mail them
    added_at: datetime


def _business(uow: UnitOfWork, business_id: str) -> Business:
    business = uow.repo(Business).get(business_id)
    if business is None:
        raise NotFound("business", business_id)
    return business


def _owner(principal: Principal, business_id: str) -> None:
    if not principal.owns(business_id):
        raise PermissionDenied("only the business's owner decides who works for it")


def list_staff(services: Services, principal: Principal, business_id: str) -> list[Colleague]:
    """Who works for the business, by name: for whoever acts for it."""
    with services.uow() as uow:
        _business(uow, business_id)
        if not (principal.acts_for("business", business_id) or business_id in principal.works_for):
            raise PermissionDenied("only who acts for the business sees its staff")
        return _colleagues(uow, business_id)


def _colleagues(uow: UnitOfWork, business_id: str) -> list[Colleague]:
    rows = uow.repo(Staff).find(business_id=business_id)
    found = []
    for row in rows:
        member = uow.repo(Member).get(row.member_id)
        if member is not None:
            found.append(Colleague(member.id, member.name, row.added_at))
    return sorted(found, key=lambda c: (c.name.lower(), c.member_id))


def _named(uow: UnitOfWork, business: Business, who: str) -> Member:
    """The member of the business's circle whom ``who`` names (an email or a member id)."""
    text = who.strip()
    if not text:
        raise InvalidInput(
            "give the email address or member id of who works for the shop", "member"
        )
    if "@" in text:
        found = uow.repo(Member).find(email=text.lower())
        member = found[0] if found else None
    else:
        member = uow.repo(Member).get(text)
    in_circle = member is not None and uow.repo(Membership).find(
        circle_id=business.circle_id, member_id=member.id
    )
    if member is None or not in_circle:
        raise NotFound("member", text, NOBODY)
    return member


def add_staff(services: Services, principal: Principal, business_id: str, who: str) -> Colleague:
    """The owner adds a member of the circle to the business's staff."""
    with services.uow() as uow:
        business = _business(uow, business_id)
        _owner(principal, business_id)
        member = _named(uow, business, who)
        if member.id == business.owner_member_id:
            raise Conflict("the owner runs the business already")
        if uow.repo(Staff).find(business_id=business_id, member_id=member.id):
            raise Conflict("this member works for the business already")
        if uow.repo(Staff).count(business_id=business_id) >= MAX_STAFF:
            raise Conflict(f"a business has at most {MAX_STAFF} staff")
        row = Staff(new_id("staff"), business_id, member.id, services.clock.now())
        uow.repo(Staff).add(row)
        uow.commit()  # the same member added twice at once: Conflict from the store
    return Colleague(member.id, member.name, row.added_at)


def remove_staff(
    services: Services, principal: Principal, business_id: str, member_id: str
) -> None:
    """The owner removes a member from the staff, or a member stops working for it."""
    with services.uow() as uow:
        _business(uow, business_id)
        leaving = principal.is_member and principal.id == member_id
        if not leaving:
            _owner(principal, business_id)
        found = uow.repo(Staff).find(business_id=business_id, member_id=member_id)
        if not found:
            raise NotFound("staff member", member_id)
        uow.repo(Staff).delete(found[0])
        uow.commit()
