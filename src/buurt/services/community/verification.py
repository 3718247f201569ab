"""Verified neighbours: what only a verified member of a circle may do (vote, support, pledge,
review) asks here, and nowhere else.

A member becomes verified through an admission route (``services.community.admission``):
an invite code, an address letter, an in-person code or vouching, as the charter allows. The
founder of a circle is verified by founding it. A verification is the member's personal data:
the member and the circle's admins see it (an admin's read is written to the member's access
log), nobody else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from buurt.domain.admission import (
    AdmissionCode,
    AdmissionRequest,
    RequestStatus,
    Verification,
    VerifiedBy,
    Vouch,
)
from buurt.domain.community import Circle, Membership, Role
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.ids import new_id
from buurt.ports import Page, UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal


def is_verified(uow: UnitOfWork, member_id: str, circle_id: str) -> bool:
    """Is this member a verified neighbour of this circle?"""
    return bool(
        uow.repo(Verification).find(circle_id=circle_id, member_id=member_id)
        and uow.repo(Membership).find(circle_id=circle_id, member_id=member_id)
    )


def require_verified(uow: UnitOfWork, principal: Principal, circle_id: str, doing: str) -> None:
    """``PermissionDenied`` unless the principal is a member and a verified neighbour of the
    circle; ``doing`` names the act in the message ("vote on the charter")."""
    if not principal.is_member or not is_verified(uow, principal.id, circle_id):
        raise PermissionDenied(f"only verified neighbours of the circle may {doing}")


def verified_members(uow: UnitOfWork, circle_id: str) -> set[str]:
    """The circle's verified neighbours: its members who hold a verification."""
    members = {m.member_id for m in uow.repo(Membership).find(circle_id=circle_id)}
    return {v.member_id for v in uow.repo(Verification).find(circle_id=circle_id)} & members


def verify(
    uow: UnitOfWork,
    circle_id: str,
    member_id: str,
    by: VerifiedBy,
    at: datetime,
    *,
    request_id: str | None = None,
    address_key: str | None = None,
) -> Verification:
    """Make the member a verified neighbour, and a member of the circle if not yet."""
    if uow.repo(Verification).find(circle_id=circle_id, member_id=member_id):
        raise Conflict("you are a verified neighbour of this circle already")
    join_unverified(uow, circle_id, member_id, at)
    verification = Verification(
        new_id("verification"), circle_id, member_id, by, at, request_id, address_key
    )
    uow.repo(Verification).add(verification)
    return verification


def join_unverified(uow: UnitOfWork, circle_id: str, member_id: str, at: datetime) -> None:
    """Make the member a member of the circle (who may read), if not yet."""
    if not uow.repo(Membership).find(circle_id=circle_id, member_id=member_id):
        uow.repo(Membership).add(
            Membership(new_id("membership"), circle_id, member_id, Role.MEMBER, at)
        )


def on_leaving(uow: UnitOfWork, circle_id: str, member_id: str, at: datetime) -> None:
    """A member who leaves is no longer verified there: coming back means being admitted
    again. Their pending requests are withdrawn and their vouches on pending requests go."""
    for verification in uow.repo(Verification).find(circle_id=circle_id, member_id=member_id):
        uow.repo(Verification).delete(verification)
    for request in uow.repo(AdmissionRequest).find(circle_id=circle_id, member_id=member_id):
        if request.status is RequestStatus.PENDING:
            request.status, request.decided_at, request.note = (
                RequestStatus.WITHDRAWN,
                at,
                "left the circle",
            )
    for vouch in uow.repo(Vouch).find(circle_id=circle_id, voucher_id=member_id):
        vouched = uow.repo(AdmissionRequest).get(vouch.request_id)
        if vouched is not None and vouched.status is RequestStatus.PENDING:
            uow.repo(Vouch).delete(vouch)


def forget(uow: UnitOfWork, circle_id: str) -> None:
    """Remove a circle's admission records (before the circle is deleted)."""
    for kind in (Vouch, Verification, AdmissionRequest, AdmissionCode):
        for entity in uow.repo(kind).find(circle_id=circle_id):
            uow.repo(kind).delete(entity)
        uow.flush()


class VerificationPolicy:
    """A verification is seen by the member concerned and by the circle's admins."""

    name = "verification"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Verification) -> bool:
        return principal.acts_for("member", entity.member_id) or entity.circle_id in (
            principal.admin_of
        )

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Verification) -> bool:
        return entity.circle_id in principal.admin_of

    def personal(
        self, uow: UnitOfWork, principal: Principal, entity: Verification
    ) -> resources.Use | None:
        return resources.Use(entity.member_id, DataCategory.PROFILE, Purpose.ADMINISTRATION)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        filters: list[Filter] = [{"member_id": principal.id}] if principal.is_member else []
        if principal.admin_of:
            filters.append({"circle_id": sorted(principal.admin_of)})
        return filters


POLICY = VerificationPolicy()


def _circle(uow: UnitOfWork, circle_id: str) -> None:
    if uow.repo(Circle).get(circle_id) is None:
        raise NotFound("circle", circle_id)


def list_verifications(
    services: Services,
    principal: Principal,
    circle_id: str,
    verified_by: VerifiedBy | None,
    after: str | None,
    limit: int,
) -> Page[Verification]:
    """The circle's verifications the principal may see: all of them for an admin, one's own
    for a member."""
    with services.uow() as uow:
        _circle(uow, circle_id)
    where = {"circle_id": circle_id, "verified_by": verified_by}
    return resources.list_page(
        services, principal, Verification, POLICY, where=where, after=after, limit=limit
    )


def _fetch(uow: UnitOfWork, principal: Principal, circle_id: str, member_id: str) -> Verification:
    _circle(uow, circle_id)
    found = uow.repo(Verification).find(circle_id=circle_id, member_id=member_id)
    if not found or not POLICY.visible(uow, principal, found[0]):
        raise NotFound("verification", member_id)
    return found[0]


def get_verification(
    services: Services, principal: Principal, circle_id: str, member_id: str
) -> tuple[Verification, list[Vouch]]:
    """A member's verification and, when it came by vouching, the vouches that made it."""
    now = services.clock.now()
    with services.uow() as uow:
        verification = _fetch(uow, principal, circle_id, member_id)
        what = f"read verification of {member_id} in {circle_id}"
        if not resources.consented(uow, principal, POLICY, verification, now, what):
            raise NotFound("verification", member_id)
        vouches = (
            uow.repo(Vouch).find(request_id=verification.request_id)
            if verification.request_id
            else []
        )
        uow.commit()
    return verification, vouches


def revoke_verification(
    services: Services, principal: Principal, circle_id: str, member_id: str
) -> None:
    """An admin takes a verification back (a fake account found out); the member stays a
    member who may read, and may be admitted again."""
    with services.uow() as uow:
        verification = _fetch(uow, principal, circle_id, member_id)
        if not POLICY.changeable(uow, principal, verification):
            raise PermissionDenied("only admins of the circle take a verification back")
        uow.repo(Verification).delete(verification)
        uow.commit()
