"""Circles and memberships: create a circle (its founder administers it and is its first
verified neighbour), join (unverified: admission is ``services.community.admission``),
change, leave, delete."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from buurt.domain.admission import VerifiedBy
from buurt.domain.community import Circle, Member, Membership, Role
from buurt.domain.errors import Conflict, PermissionDenied
from buurt.domain.events import CircleSaved
from buurt.domain.ids import new_id
from buurt.domain.places import Boundary
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.charter import proposals
from buurt.services.community import verification
from buurt.services.context import Services
from buurt.services.principals import Principal


class CirclePolicy:
    """Circles are known to every principal; only their admins change them."""

    name = "circle"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Circle) -> bool:
        return True

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Circle) -> bool:
        return entity.id in principal.admin_of

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return None


POLICY = CirclePolicy()


def create_circle(
    services: Services,
    principal: Principal,
    *,
    name: str,
    boundary: Boundary,
    timezone: str,
    description: str = "",
) -> Circle:
    if not principal.is_member:
        raise PermissionDenied("only members create circles")
    now = services.clock.now()
    circle = Circle(new_id("circle"), name, boundary, timezone, now, description)
    with services.uow() as uow:
        uow.repo(Circle).add(circle)
        uow.repo(Membership).add(
            Membership(new_id("membership"), circle.id, principal.id, Role.ADMIN, now)
        )
        proposals.found(uow, circle.id, now)
        uow.flush()
        verification.verify(uow, circle.id, principal.id, VerifiedBy.FOUNDING, now)
        services.commit(uow, CircleSaved(circle))
    return circle


def update_circle(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Circle:
    with services.uow() as uow:
        circle = resources.fetch_for_change(uow, principal, Circle, POLICY, ident)
        circle.change(changes)
        services.commit(uow, CircleSaved(circle))
    return circle


def delete_circle(services: Services, principal: Principal, ident: str) -> None:
    """Only an empty circle (no one but its admins, nothing in it) can be deleted."""
    with services.uow() as uow:
        circle = resources.fetch_for_change(uow, principal, Circle, POLICY, ident)
        memberships = uow.repo(Membership).find(circle_id=ident)
        if any(m.role is not Role.ADMIN for m in memberships):
            raise Conflict("the circle still has members")
        verification.forget(uow, ident)
        for membership in memberships:
            uow.repo(Membership).delete(membership)
        proposals.forget(uow, ident)
        uow.repo(Circle).delete(circle)
        uow.commit()


def join_circle(services: Services, principal: Principal, ident: str) -> Membership:
    if not principal.is_member:
        raise PermissionDenied("only members join circles")
    with services.uow() as uow:
        resources.fetch(uow, principal, Circle, POLICY, ident)
        if uow.repo(Membership).find(circle_id=ident, member_id=principal.id):
            raise Conflict("you are already a member of this circle")
        membership = Membership(
            new_id("membership"), ident, principal.id, Role.MEMBER, services.clock.now()
        )
        uow.repo(Membership).add(membership)
        uow.commit()
    return membership


def leave_circle(services: Services, principal: Principal, ident: str) -> None:
    with services.uow() as uow:
        found = uow.repo(Membership).find(circle_id=ident, member_id=principal.id)
        if not found:
            raise Conflict("you are not a member of this circle")
        admins = [m for m in uow.repo(Membership).find(circle_id=ident) if m.role is Role.ADMIN]
        if found[0].role is Role.ADMIN and len(admins) == 1:
            raise Conflict("the last admin cannot leave; make someone else admin first")
        verification.on_leaving(uow, ident, principal.id, services.clock.now())
        uow.flush()
        uow.repo(Membership).delete(found[0])
        uow.commit()


def set_role(
    services: Services, principal: Principal, circle_id: str, member_id: str, role: Role
) -> Membership:
    with services.uow() as uow:
        resources.fetch_for_change(uow, principal, Circle, POLICY, circle_id)
        found = uow.repo(Membership).find(circle_id=circle_id, member_id=member_id)
        if not found or uow.repo(Member).get(member_id) is None:
            raise Conflict("that member is not in this circle")
        admins = uow.repo(Membership).find(circle_id=circle_id, role=Role.ADMIN)
        if role is Role.MEMBER and [a.member_id for a in admins] == [member_id]:
            raise Conflict("a circle keeps at least one admin; make someone else admin first")
        found[0].role = role
        uow.commit()
        return found[0]
