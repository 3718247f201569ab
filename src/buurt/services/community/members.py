"""Members: registration, profiles (seen by themselves and their circles' admins).

An admin's read of a profile is a use of the member's data: the policy names it (``personal``),
the consent decision allows it under the admin role (or a grant to the circle), and it is
written to the member's access log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from buurt.domain.community import Circle, Member, Membership, Role
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import Conflict, InvalidInput, NotFound
from buurt.domain.events import MemberSettingsChanged
from buurt.domain.ids import new_id
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal


class MemberPolicy:
    """A profile is personal: the member sees it, and so do admins of the member's circles."""

    name = "member"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Member) -> bool:
        if principal.acts_for("member", entity.id):
            return True
        circles = {m.circle_id for m in uow.repo(Membership).find(member_id=entity.id)}
        return bool(circles & principal.admin_of)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Member) -> bool:
        return principal.acts_for("member", entity.id)

    def personal(
        self, uow: UnitOfWork, principal: Principal, entity: Member
    ) -> resources.Use | None:
        return resources.Use(entity.id, DataCategory.PROFILE, Purpose.ADMINISTRATION)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        filters: list[Filter] = [{"id": principal.id}] if principal.is_member else []
        if principal.admin_of:
            members = {
                m.member_id
                for circle in principal.admin_of
                for m in uow.repo(Membership).find(circle_id=circle)
            }
            filters.append({"id": sorted(members)})
        return filters


POLICY = MemberPolicy()


PASSWORD_LENGTH = (8, 200)


def check_password(password: str) -> None:
    """A password of 8 to 200 characters, without NUL (what argon2 and every form take)."""
    shortest, longest = PASSWORD_LENGTH
    if not shortest <= len(password) <= longest or "\x00" in password:
        raise InvalidInput(f"a password has {shortest} to {longest} characters", "password")


def register_member(
    services: Services,
    *,
    name: str,
    email: str,
    password: str,
    circle_id: str | None,
    confirmed: bool = True,
    language: str | None = None,
) -> Member:
    """A new account. The API's accounts count as confirmed (their client vouches for the
    address, as before); the sign-up page makes them ``confirmed=False`` until the link in
    the mail is followed."""
    check_password(password)
    now = services.clock.now()
    member = Member(
        new_id("member"),
        name,
        email.lower(),
        services.passwords.hash(password),
        now,
        email_confirmed_at=now if confirmed else None,
        language=language,
    )
    with services.uow() as uow:
        if uow.repo(Member).find(email=member.email):
            raise Conflict("an account with this email already exists")
        uow.repo(Member).add(member)
        if circle_id is not None:
            if uow.repo(Circle).get(circle_id) is None:
                raise NotFound("circle", circle_id)
            uow.repo(Membership).add(
                Membership(new_id("membership"), circle_id, member.id, Role.MEMBER, now)
            )
        uow.commit()
    return member


def update_member(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Member:
    changes = dict(changes)
    if "password" in changes:
        changes["password_hash"] = services.passwords.hash(changes.pop("password"))
    if "email" in changes:
        changes["email"] = changes["email"].lower()
    with services.uow() as uow:
        member = resources.fetch_for_change(uow, principal, Member, POLICY, ident)
        new_email = changes.get("email", member.email)
        if new_email != member.email and uow.repo(Member).find(email=new_email):
            raise Conflict("an account with this email already exists")
        member.change(changes)
        services.commit(uow, MemberSettingsChanged(member.id))
    return member


def circles_of(services: Services, member_id: str) -> list[Membership]:
    with services.uow() as uow:
        return uow.repo(Membership).find(member_id=member_id)


def email_of(services: Services, principal: Principal) -> str:
    """The acting member's own address."""
    with services.uow() as uow:
        member = uow.repo(Member).get(principal.id) if principal.is_member else None
        if member is None:
            raise NotFound("member", principal.id)
        return member.email
