"""Consent grants: a member's own; listed, changed and revoked only by that member.

Revoking keeps the grant (with ``revoked_at``) so the member's access log can still name the
grant a past use was made under. Every change is committed first and announced after, and the
``ConsentBook`` listener mirrors it synchronously: when ``revoke`` returns, both the store and
the book answer no.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from buurt.domain.community import Business, Circle, Member, Thing
from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from buurt.domain.events import ConsentChanged, ConsentGranted, ConsentRevoked
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal


class ConsentPolicy:
    name = "consent"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: ConsentGrant) -> bool:
        return principal.acts_for("member", entity.member_id)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: ConsentGrant) -> bool:
        return self.visible(uow, principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return [{"member_id": principal.id}] if principal.is_member else []


POLICY = ConsentPolicy()


def grant(
    services: Services,
    principal: Principal,
    *,
    recipient_kind: PartyKind,
    recipient_id: str,
    category: DataCategory,
    purpose: Purpose,
    expires_at: datetime | None = None,
    thing_id: str | None = None,
) -> ConsentGrant:
    if not principal.is_member:
        raise PermissionDenied("only members grant consent")
    now = services.clock.now()
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("expires_at must be in the future", "expires_at")
    if (category is DataCategory.THING_DATA) != (thing_id is not None):
        raise InvalidInput("thing_id is given exactly for the thing_data category", "thing_id")
    with services.uow() as uow:
        if recipient_kind is PartyKind.BUSINESS and not uow.repo(Business).get(recipient_id):
            raise NotFound("business", recipient_id)
        if recipient_kind is PartyKind.MEMBER and not uow.repo(Member).get(recipient_id):
            raise NotFound("member", recipient_id)
        if recipient_kind is PartyKind.CIRCLE and not uow.repo(Circle).get(recipient_id):
            raise NotFound("circle", recipient_id)
        if thing_id is not None:
            thing = uow.repo(Thing).get(thing_id)
            if thing is None or not principal.acts_for(thing.owner_kind.value, thing.owner_id):
                raise NotFound("thing", thing_id)
        consent = ConsentGrant(
            new_id("consent"),
            principal.id,
            recipient_kind,
            recipient_id,
            category,
            purpose,
            now,
            expires_at,
            None,
            thing_id,
        )
        uow.repo(ConsentGrant).add(consent)
        services.commit(uow, ConsentGranted(consent))
    return consent


def update_grant(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> ConsentGrant:
    expires_at = changes.get("expires_at")
    if expires_at is not None and expires_at <= services.clock.now():
        # Ending a grant now is revoking it, which the access log then names as such.
        raise InvalidInput(
            "expires_at must be in the future; revoke to end a grant now", "expires_at"
        )
    with services.uow() as uow:
        consent = resources.fetch_for_change(uow, principal, ConsentGrant, POLICY, ident)
        if consent.revoked_at is not None:
            raise Conflict("a revoked grant cannot be changed; grant anew")
        consent.change(changes)
        services.commit(uow, ConsentChanged(consent))
    return consent


def revoke(services: Services, principal: Principal, ident: str) -> ConsentGrant:
    """Revoke at once: the commit is the moment after which nothing may use the grant."""
    with services.uow() as uow:
        consent = resources.fetch_for_change(uow, principal, ConsentGrant, POLICY, ident)
        if consent.revoked_at is None:
            consent.revoked_at = services.clock.now()
        services.commit(uow, ConsentRevoked(consent))
    return consent
