"""Things: connected objects owned by a member, a business or a circle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from buurt.domain.community import OwnerKind, PrincipalKind, Thing, ThingKind, Visibility
from buurt.domain.errors import PermissionDenied
from buurt.domain.ids import new_id
from buurt.domain.places import Place
from buurt.domain.tokens import AccessToken
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal


def owns(principal: Principal, thing: Thing) -> bool:
    return principal.acts_for(thing.owner_kind.value, thing.owner_id)


class ThingPolicy:
    """Public things are seen by all, circle things by the circle, private ones by the owner
    (and the thing itself)."""

    name = "thing"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Thing) -> bool:
        if owns(principal, entity) or principal.acts_for("thing", entity.id):
            return True
        if entity.visibility is Visibility.PUBLIC:
            return True
        return entity.visibility is Visibility.CIRCLE and entity.circle_id in principal.circles

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Thing) -> bool:
        return owns(principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        filters: list[Filter] = [
            {"visibility": Visibility.PUBLIC},
            {"visibility": Visibility.CIRCLE, "circle_id": sorted(principal.circles)},
            {"owner_kind": OwnerKind.BUSINESS, "owner_id": sorted(principal.businesses)},
            {"owner_kind": OwnerKind.CIRCLE, "owner_id": sorted(principal.admin_of)},
        ]
        if principal.is_member:
            filters.append({"owner_kind": OwnerKind.MEMBER, "owner_id": principal.id})
        else:
            filters.append({"id": principal.id})
        return filters


POLICY = ThingPolicy()


def register_thing(
    services: Services,
    principal: Principal,
    *,
    circle_id: str,
    kind: ThingKind,
    name: str,
    place: Place,
    visibility: Visibility,
    owner_kind: OwnerKind | None = None,
    owner_id: str | None = None,
) -> Thing:
    if principal.kind is PrincipalKind.THING:
        raise PermissionDenied("things cannot register other things")
    owner_kind = owner_kind or OwnerKind(principal.kind.value)
    owner_id = owner_id or (circle_id if owner_kind is OwnerKind.CIRCLE else principal.id)
    if not principal.acts_for(owner_kind.value, owner_id):
        raise PermissionDenied("you can only register things for yourself or what you manage")
    if circle_id not in principal.circles:
        raise PermissionDenied("things can only be registered in your own circles")
    thing = Thing(
        new_id("thing"),
        circle_id,
        owner_kind,
        owner_id,
        kind,
        name,
        place,
        visibility,
        services.clock.now(),
    )
    with services.uow() as uow:
        uow.repo(Thing).add(thing)
        uow.commit()
    return thing


def update_thing(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Thing:
    with services.uow() as uow:
        thing = resources.fetch_for_change(uow, principal, Thing, POLICY, ident)
        resources.apply_changes(thing, changes)
        uow.commit()
    return thing


def delete_thing(services: Services, principal: Principal, ident: str) -> None:
    """Delete a thing and revoke its tokens; its past events stay as records."""
    with services.uow() as uow:
        thing = resources.fetch_for_change(uow, principal, Thing, POLICY, ident)
        now = services.clock.now()
        for token in uow.repo(AccessToken).find(
            principal_kind=PrincipalKind.THING, principal_id=ident
        ):
            token.revoked_at = token.revoked_at or now
        uow.repo(Thing).delete(thing)
        uow.commit()
    services.announce("thing.deleted", thing)
