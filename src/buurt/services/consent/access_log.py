"""The access log: record every use of a member's data by another principal; show it to them.

``record`` is the one way to write an entry. Call it inside the unit of work of the read (or
of the delivered moment, or the computed aggregate), before its ``commit()``: the entry is then
committed with the use itself, or not at all, so a use the member cannot see never happens.

    with services.uow() as uow:
        basis = consent_check.decide(uow, principal, member_id, category, purpose, now)
        ...
        access_log.record(uow, member_id, principal, category, purpose,
                          f"moment {moment.id}", basis.grant_id, at=now)
        uow.commit()
"""

from __future__ import annotations

from datetime import datetime

from buurt.domain.access import AccessEntry
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import PermissionDenied
from buurt.domain.ids import new_id
from buurt.ports import Page, UnitOfWork
from buurt.services.consent.decision import Basis, Recipient
from buurt.services.context import Services
from buurt.services.principals import Principal


def record(
    uow: UnitOfWork,
    member_id: str,
    principal: Principal | Recipient,
    category: DataCategory,
    purpose: Purpose,
    what: str,
    grant_id: str | None = None,
    *,
    at: datetime,
    role: str | None = None,
) -> AccessEntry:
    """Add an entry to ``member_id``'s access log in this unit of work (committed with it).

    ``principal`` is who used the data: an API principal, or a consent ``Recipient`` (the
    business a moment is delivered to, the circle an aggregate is made for). Name the grant
    that allowed the use, or else the ``role`` that did.
    """
    if grant_id is None and role is None:
        raise ValueError("an access needs a basis: the grant or the role that allowed it")
    entry = AccessEntry(
        id=new_id("access"),
        member_id=member_id,
        principal_kind=principal.kind,
        principal_id=principal.id,
        category=category,
        purpose=purpose,
        what=what[:300],
        at=at,
        grant_id=grant_id,
        role=role,
    )
    uow.repo(AccessEntry).add(entry)
    return entry


def record_basis(
    uow: UnitOfWork,
    member_id: str,
    principal: Principal | Recipient,
    category: DataCategory,
    purpose: Purpose,
    what: str,
    basis: Basis,
    *,
    at: datetime,
) -> AccessEntry | None:
    """``record`` with the answer of ``consent_check.decide``; a member's own use is not logged."""
    if basis.is_self:
        return None
    return record(
        uow, member_id, principal, category, purpose, what, basis.grant_id, at=at, role=basis.role
    )


def page_for_member(
    services: Services,
    principal: Principal,
    *,
    category: DataCategory | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page[AccessEntry]:
    """The member's own access log, oldest first (ids are time-ordered), cursor-paged."""
    if not principal.is_member:
        raise PermissionDenied("only members have an access log")
    where: dict[str, object] = {"member_id": principal.id}
    if category is not None:
        where["category"] = category
    with services.uow() as uow:
        return uow.repo(AccessEntry).page(where=where, after=after, limit=limit)
