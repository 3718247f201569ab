"""The one way every resource is read, listed, changed and deleted under its access policy.

A resource module declares a ``Policy`` (who may see an entity, who may change it, and which
entities a principal's listing covers) and reuses these functions for the common use cases.
What a principal may not see does not exist for it (404); what it sees but may not change is
forbidden (403).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from buurt.domain.errors import NotFound, PermissionDenied
from buurt.ports import Page, UnitOfWork
from buurt.ports.store import Filter
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
    services: Services, principal: Principal, kind: type[T], policy: Policy[T], ident: str
) -> T:
    with services.uow() as uow:
        return fetch(uow, principal, kind, policy, ident)


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
    filters = {k: v for k, v in (where or {}).items() if v is not None}
    with services.uow() as uow:
        return uow.repo(kind).page(
            where=filters, any_of=policy.scope(uow, principal), after=after, limit=limit
        )


def apply_changes(entity: object, changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        setattr(entity, name, value)


def delete(
    services: Services, principal: Principal, kind: type[T], policy: Policy[T], ident: str
) -> None:
    with services.uow() as uow:
        entity = fetch_for_change(uow, principal, kind, policy, ident)
        uow.repo(kind).delete(entity)
        uow.commit()
    services.announce(f"{policy.name}.deleted", entity)
