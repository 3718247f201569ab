"""Authentication: member passwords (``Passwords`` port) and bearer tokens for every principal.

A token is shown once when issued; only its SHA-256 digest is stored, so a stolen database
holds no usable tokens. Revoking a token takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from buurt.domain.community import Business, Member, Membership, Role, Thing
from buurt.domain.errors import AuthenticationFailed, NotFound, PermissionDenied
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.staff import Staff
from buurt.domain.tokens import AccessToken
from buurt.ports import Page, UnitOfWork
from buurt.services.context import Services
from buurt.services.principals import Principal

TOKEN_PREFIX = "bu_"  # noqa: S105 - a marker, not a secret


def digest(secret: str) -> str:
    """What is stored of a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    uow: UnitOfWork,
    kind: PartyKind,
    ident: str,
    label: str,
    at: datetime,
    expires_at: datetime | None = None,
) -> tuple[AccessToken, str]:
    """Store a new token for a principal; returns it with the secret, shown only now."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        id=new_id("token"),
        principal_kind=kind,
        principal_id=ident,
        digest=digest(secret),
        label=label,
        created_at=at,
        expires_at=expires_at,
    )
    uow.repo(AccessToken).add(token)
    return token, secret


def log_in(
    services: Services,
    email: str,
    password: str,
    label: str,
    lifetime: timedelta | None = None,
) -> tuple[AccessToken, str]:
    """A new token for the member with this email and password (expiring after ``lifetime``
    when given, as a browser session's does)."""
    with services.uow() as uow:
        found = uow.repo(Member).find(email=email.lower())
        member = found[0] if found else None
        # Verifying against a throwaway hash when the email is unknown keeps the answer time
        # the same, so login timing does not reveal which emails have an account.
        stored = member.password_hash if member else services.passwords.unknown
        if not services.passwords.verify(stored, password) or member is None:
            raise AuthenticationFailed("wrong email or password")
        if services.passwords.needs_rehash(stored):
            member.password_hash = services.passwords.hash(password)
        now = services.clock.now()
        expires_at = now + lifetime if lifetime else None
        token, secret = issue_token(uow, PartyKind.MEMBER, member.id, label, now, expires_at)
        uow.commit()
    return token, secret


def authenticate(services: Services, secret: str) -> Principal:
    """The principal a bearer token stands for, or ``AuthenticationFailed``."""
    if not secret.startswith(TOKEN_PREFIX):
        raise AuthenticationFailed("not a Buurt token")
    with services.uow() as uow:
        found = uow.repo(AccessToken).find(digest=digest(secret))
        now = services.clock.now()
        if not found or not found[0].is_live(now):
            raise AuthenticationFailed("the token is unknown, expired or revoked")
        return _resolve(uow, found[0], now)


def _resolve(uow: UnitOfWork, token: AccessToken, now: datetime) -> Principal:
    return _principal(uow, token.principal_kind, token.principal_id, token.id, now)


def acting_party(services: Services, kind: PartyKind, ident: str, label: str) -> Principal:
    """The principal of a party for work the process does on its own (the demo's living
    neighbourhood), resolved as a token of theirs would be. No request can reach this: a
    request's principal always comes from ``authenticate``."""
    with services.uow() as uow:
        return _principal(uow, kind, ident, label, services.clock.now())


def _principal(
    uow: UnitOfWork, kind: PartyKind, ident: str, token_id: str, now: datetime
) -> Principal:
    if kind is PartyKind.MEMBER:
        memberships = uow.repo(Membership).find(member_id=ident)
        owned = uow.repo(Business).find(owner_member_id=ident)
        working = uow.repo(Staff).find(member_id=ident)
        return Principal(
            kind=kind,
            id=ident,
            token_id=token_id,
            circles=frozenset(m.circle_id for m in memberships),
            admin_of=frozenset(m.circle_id for m in memberships if m.role is Role.ADMIN),
            businesses=frozenset(b.id for b in owned),
            as_of=now,
            works_for=frozenset(s.business_id for s in working),
        )
    if kind is PartyKind.BUSINESS:
        business = uow.repo(Business).get(ident)
        if business is None:
            raise AuthenticationFailed("the token's business no longer exists")
        return Principal(
            kind=kind,
            id=ident,
            token_id=token_id,
            circles=frozenset({business.circle_id}),
            businesses=frozenset({ident}),
            as_of=now,
        )
    thing = uow.repo(Thing).get(ident)
    if thing is None:
        raise AuthenticationFailed("the token's thing no longer exists")
    return Principal(
        kind=kind, id=ident, token_id=token_id, circles=frozenset({thing.circle_id}), as_of=now
    )


def list_tokens(
    services: Services, principal: Principal, after: str | None, limit: int
) -> Page[AccessToken]:
    with services.uow() as uow:
        return uow.repo(AccessToken).page(
            where={"principal_kind": principal.kind, "principal_id": principal.id},
            after=after,
            limit=limit,
        )


def revoke_token(services: Services, principal: Principal, token_id: str) -> AccessToken:
    """Revoke one of the principal's own tokens (or, for a member, one of their things' or
    businesses' tokens)."""
    with services.uow() as uow:
        token = uow.repo(AccessToken).get(token_id)
        if token is None or not _may_manage_token(uow, principal, token):
            raise NotFound("token", token_id)
        if token.revoked_at is None:
            token.revoked_at = services.clock.now()
        uow.commit()
    return token


def _may_manage_token(uow: UnitOfWork, principal: Principal, token: AccessToken) -> bool:
    kind, ident = token.principal_kind, token.principal_id
    if kind is PartyKind.BUSINESS:
        return principal.owns(ident)  # staff do the shop's work, not its keys
    if principal.acts_for(kind.value, ident):
        return True
    if kind is PartyKind.THING:
        thing = uow.repo(Thing).get(ident)
        return thing is not None and principal.acts_for(thing.owner_kind.value, thing.owner_id)
    return False


def issue_principal_token(
    services: Services,
    principal: Principal,
    kind: PartyKind,
    ident: str,
    label: str,
    expires_at: datetime | None,
) -> tuple[AccessToken, str]:
    """A member issues a token for a business they own or a thing they (or it) own."""
    with services.uow() as uow:
        if kind is PartyKind.BUSINESS:
            if uow.repo(Business).get(ident) is None:
                raise NotFound("business", ident)
            allowed = principal.is_member and ident in principal.businesses
        else:
            thing = uow.repo(Thing).get(ident)
            if thing is None:
                raise NotFound("thing", ident)
            allowed = principal.acts_for(thing.owner_kind.value, thing.owner_id)
        if not allowed:
            raise PermissionDenied(f"only the owner can issue tokens for this {kind.value}")
        token, secret = issue_token(uow, kind, ident, label, services.clock.now(), expires_at)
        uow.commit()
    return token, secret


def as_business(services: Services, principal: Principal, business_id: str) -> Principal:
    """The member's role for one business they own or work for: the same login, acting as
    the shop.

    Under this principal a page sees and answers what the business sees and answers, and
    none of the member's own moments. A member who works for the shop gets a ``staff``
    principal: the shop's daily work, not its owner's rights. Anyone else gets ``NotFound``,
    so the page does not tell which businesses exist.
    """
    owner = business_id in principal.businesses
    if not principal.is_member or not (owner or business_id in principal.works_for):
        raise NotFound("business", business_id)
    with services.uow() as uow:
        business = uow.repo(Business).get(business_id)
        if business is None:
            raise NotFound("business", business_id)
    return Principal(
        kind=PartyKind.BUSINESS,
        id=business.id,
        token_id=principal.token_id,
        circles=frozenset({business.circle_id}),
        businesses=frozenset({business.id}),
        as_of=principal.as_of,
        staff=not owner,
    )
