"""Things: connected objects owned by a member, a business or a circle.

A member's thing is that member's data (``thing_data``). Its visibility opens it to people
(neighbours, as members); a business sees it only under a live ``thing_data`` grant for that
thing, decided by the consent decision and written to the owner's access log. Other things
never see a member's thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from buurt.domain.community import Thing, ThingKind, Visibility
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import PermissionDenied
from buurt.domain.events import ThingRemoved
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.places import Place
from buurt.domain.tokens import AccessToken
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.consent import decision
from buurt.services.context import Services
from buurt.services.principals import Principal


def owns(principal: Principal, thing: Thing) -> bool:
    return principal.acts_for(thing.owner_kind.value, thing.owner_id)


class ThingPolicy:
    """Public things are seen by all, circle things by the circle, private ones by the owner
    (and the thing itself); a member's things by businesses only under a grant."""

    name = "thing"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Thing) -> bool:
        if owns(principal, entity) or principal.acts_for("thing", entity.id):
            return True
        if entity.owner_kind is PartyKind.MEMBER and not principal.is_member:
            # Only the candidates; whether the grant is live now is `personal`'s decision.
            return principal.kind is PartyKind.BUSINESS and entity.id in (
                decision.granted_things(uow, principal.id)
            )
        if entity.visibility is Visibility.PUBLIC:
            return True
        return entity.visibility is Visibility.CIRCLE and entity.circle_id in principal.circles

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Thing) -> bool:
        return owns(principal, entity)

    def personal(
        self, uow: UnitOfWork, principal: Principal, entity: Thing
    ) -> resources.Use | None:
        if entity.owner_kind is not PartyKind.MEMBER or principal.is_member:
            return None  # people see a member's thing by the visibility its owner chose
        if principal.acts_for("thing", entity.id):
            return None
        return resources.Use(
            entity.owner_id, DataCategory.THING_DATA, Purpose.SERVICE_DELIVERY, entity.id
        )

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        # Visibility opens a member's thing to people only: for a business or a thing, the
        # public and circle filters leave members' things out.
        owners = list(PartyKind) if principal.is_member else [PartyKind.BUSINESS, PartyKind.CIRCLE]
        filters: list[Filter] = [
            {"visibility": Visibility.PUBLIC, "owner_kind": owners},
            {
                "visibility": Visibility.CIRCLE,
                "circle_id": sorted(principal.circles),
                "owner_kind": owners,
            },
            {"owner_kind": PartyKind.BUSINESS, "owner_id": sorted(principal.businesses)},
            {"owner_kind": PartyKind.CIRCLE, "owner_id": sorted(principal.admin_of)},
        ]
        if principal.is_member:
            filters.append({"owner_kind": PartyKind.MEMBER, "owner_id": principal.id})
        else:
            filters.append({"id": principal.id})
        if principal.kind is PartyKind.BUSINESS:
            granted = sorted(decision.granted_things(uow, principal.id))
            filters.append({"owner_kind": PartyKind.MEMBER, "id": granted})
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
    owner_kind: PartyKind | None = None,
    owner_id: str | None = None,
) -> Thing:
    if principal.kind is PartyKind.THING:
        raise PermissionDenied("things cannot register other things")
    owner_kind = owner_kind or PartyKind(principal.kind.value)
    owner_id = owner_id or (circle_id if owner_kind is PartyKind.CIRCLE else principal.id)
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
        thing.change(changes)
        if "place" in changes:  # placed by hand now: a report from before does not undo it
            thing.located_at = services.clock.now()
        uow.commit()
    return thing


def revoke_tokens(uow: UnitOfWork, thing_id: str, now: datetime) -> int:
    """Revoke every live bearer token of the thing (in ``uow``); returns how many."""
    revoked = 0
    for token in uow.repo(AccessToken).find(principal_kind=PartyKind.THING, principal_id=thing_id):
        if token.revoked_at is None:
            token.revoked_at = now
            revoked += 1
    return revoked


def delete_thing(services: Services, principal: Principal, ident: str) -> None:
    """Delete a thing and revoke its tokens; its past events stay as records."""
    with services.uow() as uow:
        thing = resources.fetch_for_change(uow, principal, Thing, POLICY, ident)
        revoke_tokens(uow, ident, services.clock.now())
        uow.repo(Thing).delete(thing)
        services.commit(uow, ThingRemoved(thing.id))
