"""What an instance's operator does before anyone can sign in: ``buurt admin``'s use cases.

The operator is whoever can reach the database, so nothing here asks for a principal: these
are the first circle and its admin, tokens issued and revoked for any member, business or
thing, and lists of what exists. Each rule of the member-facing use cases still holds (one
account per address, the password rule, a circle's creator administers it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from buurt.domain.community import Business, Circle, Member, Membership, Role, Thing
from buurt.domain.errors import NotFound
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.places import Boundary
from buurt.domain.tokens import AccessToken
from buurt.ports import UnitOfWork
from buurt.services.community import auth, circles, members
from buurt.services.context import Services
from buurt.services.principals import Principal

Listing = Literal["circles", "members", "businesses", "things", "tokens"]
KINDS: dict[Listing, type[Circle | Member | Business | Thing | AccessToken]] = {
    "circles": Circle,
    "members": Member,
    "businesses": Business,
    "things": Thing,
    "tokens": AccessToken,
}
# Marks the principal the operator acts as: no bearer token stands behind it.
OPERATOR_TOKEN = "operator"  # noqa: S105 - a marker, not a secret


def find_member(uow: UnitOfWork, ref: str) -> Member:
    """The member with this id or (any case) email address."""
    member = uow.repo(Member).get(ref)
    if member is None:
        found = uow.repo(Member).find(email=ref.strip().lower())
        member = found[0] if found else None
    if member is None:
        raise NotFound("member", ref)
    return member


def create_member(
    services: Services, *, name: str, email: str, password: str, admin_of: str | None = None
) -> Member:
    """A confirmed account (the operator vouches for the address); with ``admin_of``, it
    administers that circle."""
    member = members.register_member(
        services, name=name, email=email, password=password, circle_id=None
    )
    if admin_of is not None:
        make_admin(services, admin_of, member.id)
    return member


def make_admin(services: Services, circle_id: str, member_ref: str) -> Membership:
    """Make the member an admin of the circle, joining it first when needed."""
    with services.uow() as uow:
        if uow.repo(Circle).get(circle_id) is None:
            raise NotFound("circle", circle_id)
        member = find_member(uow, member_ref)
        found = uow.repo(Membership).find(circle_id=circle_id, member_id=member.id)
        if found:
            membership = found[0]
            membership.role = Role.ADMIN
        else:
            membership = Membership(
                new_id("membership"), circle_id, member.id, Role.ADMIN, services.clock.now()
            )
            uow.repo(Membership).add(membership)
        uow.commit()
    return membership


def create_circle(
    services: Services,
    *,
    admin: str,
    name: str,
    boundary: Boundary,
    timezone: str,
    description: str = "",
) -> Circle:
    """A circle created as if by ``admin`` (a member's id or email), who then administers it."""
    with services.uow() as uow:
        member = find_member(uow, admin)
    acting = Principal(kind=PartyKind.MEMBER, id=member.id, token_id=OPERATOR_TOKEN)
    return circles.create_circle(
        services,
        acting,
        name=name,
        boundary=boundary,
        timezone=timezone,
        description=description,
    )


def issue_token(
    services: Services,
    kind: PartyKind,
    ref: str,
    label: str,
    expires_at: datetime | None = None,
) -> tuple[AccessToken, str]:
    """A new token for a member (by id or email), business or thing; the secret is shown once."""
    with services.uow() as uow:
        if kind is PartyKind.MEMBER:
            ident = find_member(uow, ref).id
        elif uow.repo(Business if kind is PartyKind.BUSINESS else Thing).get(ref) is None:
            raise NotFound(kind.value, ref)
        else:
            ident = ref
        token, secret = auth.issue_token(uow, kind, ident, label, services.clock.now(), expires_at)
        uow.commit()
    return token, secret


def revoke_token(services: Services, ref: str) -> AccessToken:
    """Revoke any token, named by its id or by its secret (one found in a log, say);
    revoking one twice keeps the first time."""
    with services.uow() as uow:
        if ref.startswith(auth.TOKEN_PREFIX):
            found = uow.repo(AccessToken).find(digest=auth.digest(ref))
            token = found[0] if found else None
            ref = "(the secret given)"  # an unknown secret is not echoed back
        else:
            token = uow.repo(AccessToken).get(ref)
        if token is None:
            raise NotFound("token", ref)
        if token.revoked_at is None:
            token.revoked_at = services.clock.now()
        uow.commit()
    return token


def inventory(
    services: Services, listing: Listing
) -> Sequence[Circle | Member | Business | Thing | AccessToken]:
    """Everything of one kind, in id order (which is the order of creation)."""
    with services.uow() as uow:
        return sorted(uow.repo(KINDS[listing]).find(), key=lambda entity: entity.id)
