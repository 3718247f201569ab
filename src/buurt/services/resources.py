"""The one way every resource is read, listed, changed and deleted under its access policy.

A resource module declares a ``Policy`` (who may see an entity, who may change it, and which
entities a principal's listing covers) and reuses these functions for the common use cases.
What a principal may not see does not exist for it (404); what it sees but may not change is
forbidden (403).

A policy whose entities are a member's personal data also says, with ``personal``, which use
of whose data a principal's read would be. ``get`` and ``list_page`` then ask the one consent
decision (``decision.decide``) before answering, hide what it refuses, and write every
allowed use by another principal to that member's access log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import NotFound, PermissionDenied
from buurt.domain.events import DomainEvent
from buurt.ports import Page, UnitOfWork
from buurt.ports.store import Filter
from buurt.services.consent import access_log, decision
from buurt.services.context import Services
from buurt.services.principals import Principal

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


class Policy(Protocol[T_contra]):
    name: str

    def visible(self, uow: UnitOfWork, principal: Principal, entity: T_contra) -> bool: ...

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: T_contra) -> bool: ...

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        """Filters of which a listed entity must match one; ``None`` lists every entity."""
        ...


class Use(NamedTuple):
    """The use of a member's data that reading an entity would be."""

    member_id: str
    category: DataCategory
    purpose: Purpose
    thing_id: str | None = None


class PersonalPolicy(Policy[T_contra], Protocol[T_contra]):
    def personal(self, uow: UnitOfWork, principal: Principal, entity: T_contra) -> Use | None:
        """Whose data this principal's read of the entity uses; ``None``: nobody's (or its
        reading needs no consent, like a neighbour seeing a thing its owner made public)."""
        ...


def consented(
    uow: UnitOfWork,
    principal: Principal,
    policy: Policy[T],
    entity: T,
    at: datetime,
    what: str,
) -> bool:
    """Does the consent decision allow this read? If so, and it is another principal's use of
    a member's data, log it (in ``uow``: the caller commits)."""
    personal = getattr(policy, "personal", None)
    use: Use | None = personal(uow, principal, entity) if personal else None
    if use is None:
        return True
    basis = decision.decide(
        uow, principal, use.member_id, use.category, use.purpose, at, use.thing_id
    )
    if basis is None:
        return False
    access_log.record_basis(
        uow, use.member_id, principal, use.category, use.purpose, what, basis, at=at
    )
    return True


def fetch(uow: UnitOfWork, principal: Principal, kind: type[T], policy: Policy[T], ident: str) -> T:
    entity = uow.repo(kind).get(ident)
    if entity is None or not policy.visible(uow, principal, entity):
        raise NotFound(policy.name, ident)
    return entity


def fetch_for_change(
    uow: UnitOfWork, principal: Principal, kind: type[T], policy: Policy[T], ident: str
) -> T:
    entity = fetch(uow, principal, kind, policy, ident)
    if not policy.changeable(uow, principal, entity):
        raise PermissionDenied(f"you may not change this {policy.name}")
    return entity


def get(
    services: Services,
    principal: Principal,
    kind: type[T],
    policy: Policy[T],
    ident: str,
    what: str | None = None,
) -> T:
    """Read one entity: visible under the policy, and allowed by the consent decision."""
    with services.uow() as uow:
        entity = fetch(uow, principal, kind, policy, ident)
        what = what or f"read {policy.name} {ident}"
        if not consented(uow, principal, policy, entity, services.clock.now(), what):
            raise NotFound(policy.name, ident)
        uow.commit()
        return entity


def list_page(
    services: Services,
    principal: Principal,
    kind: type[T],
    policy: Policy[T],
    *,
    where: Mapping[str, Any] | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page[T]:
    """A page of what the principal may list. Entities the consent decision refuses are left
    out, so a page can hold fewer than ``limit`` items; ``next_cursor`` still pages on."""
    filters = {k: v for k, v in (where or {}).items() if v is not None}
    with services.uow() as uow:
        page = uow.repo(kind).page(
            where=filters, any_of=policy.scope(uow, principal), after=after, limit=limit
        )
        if getattr(policy, "personal", None) is None:
            return page
        now = services.clock.now()
        items = [
            item
            for item in page.items
            if consented(uow, principal, policy, item, now, f"list {policy.name} {_id(item)}")
        ]
        uow.commit()
        return Page(items=items, next_cursor=page.next_cursor)


def _id(entity: object) -> str:
    return str(getattr(entity, "id", "?"))


def delete(
    services: Services,
    principal: Principal,
    kind: type[T],
    policy: Policy[T],
    ident: str,
    removed: Callable[[T], DomainEvent] | None = None,
) -> None:
    """Delete an entity its principal may change; ``removed`` makes the event that tells the
    handlers (the engine drops a standing, the webhook worker an endpoint)."""
    with services.uow() as uow:
        entity = fetch_for_change(uow, principal, kind, policy, ident)
        uow.repo(kind).delete(entity)
        services.commit(uow, *([removed(entity)] if removed is not None else []))
