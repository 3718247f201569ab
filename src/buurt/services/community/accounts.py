"""A member's own account: signing up, confirming the address, resetting a forgotten password.

Mail is the edge's to write (it speaks the reader's language); these use cases issue and use
the one-time tokens a mail carries. Nothing here tells whether an address has an account:
asking for a reset of an unknown address quietly does nothing, and the edge answers the same.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from buurt.domain.accounts import (
    LIFETIME,
    MAIL_SPACING,
    MAILS_PER_HOUR,
    AccountPurpose,
    AccountToken,
)
from buurt.domain.community import Member
from buurt.domain.errors import InvalidInput
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.tokens import AccessToken
from buurt.ports import UnitOfWork
from buurt.services.community.members import check_password
from buurt.services.context import Services

SECRET_PREFIX = "bacc_"  # noqa: S105 - the prefix that says what a secret is for
HOUR = timedelta(hours=1)
LINK_REFUSED = "this link is unknown, used already or expired; ask for a new one"


@dataclass(frozen=True)
class Mailable:
    """A token to mail: to whom, and the secret for the link."""

    member: Member
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(services: Services, email: str, purpose: AccountPurpose) -> Mailable | None:
    """A new token of ``purpose`` for the account with this address, or ``None`` when there
    is none, when its address is confirmed already (for a confirmation), or when it had its
    mails for now (one a minute, ``MAILS_PER_HOUR`` an hour)."""
    now = services.clock.now()
    with services.uow() as uow:
        found = uow.repo(Member).find(email=email.strip().lower())
        if not found:
            return None
        member = found[0]
        if purpose is AccountPurpose.CONFIRM_EMAIL and member.email_confirmed_at is not None:
            return None
        earlier = uow.repo(AccountToken).find(member_id=member.id, purpose=purpose)
        recent = [t for t in earlier if now - t.created_at < HOUR]
        if len(recent) >= MAILS_PER_HOUR or any(now - t.created_at < MAIL_SPACING for t in recent):
            return None
        for older in earlier:  # a new token makes the older ones useless
            if older.used_at is None:
                older.used_at = now
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        uow.repo(AccountToken).add(
            AccountToken(
                new_id("account_token"),
                member.id,
                purpose,
                _digest(secret),
                now,
                now + LIFETIME[purpose],
            )
        )
        uow.commit()
    return Mailable(member, secret)


def confirm_email(services: Services, secret: str) -> Member:
    """Mark the address confirmed; ``InvalidInput`` for an unknown, used or expired link."""
    now = services.clock.now()
    with services.uow() as uow:
        token = _token(uow, secret, AccountPurpose.CONFIRM_EMAIL, now)
        member = uow.repo(Member).get(token.member_id)
        assert member is not None  # the token goes with its member (cascade)
        token.used_at = now
        if member.email_confirmed_at is None:
            member.email_confirmed_at = now
        uow.commit()
    return member


def reset_password(services: Services, secret: str, password: str) -> Member:
    """Set a new password and end every session and token of the member (whoever had the old
    password is out); ``InvalidInput`` for an unknown, used or expired link."""
    check_password(password)
    now = services.clock.now()
    with services.uow() as uow:
        token = _token(uow, secret, AccountPurpose.RESET_PASSWORD, now)
        member = uow.repo(Member).get(token.member_id)
        assert member is not None
        token.used_at = now
        member.password_hash = services.passwords.hash(password)
        # Reading the mail proves the address too.
        member.email_confirmed_at = member.email_confirmed_at or now
        for access in uow.repo(AccessToken).find(
            principal_kind=PartyKind.MEMBER, principal_id=member.id
        ):
            if access.revoked_at is None:
                access.revoked_at = now
        uow.commit()
    return member


def _token(uow: UnitOfWork, secret: str, purpose: AccountPurpose, now: datetime) -> AccountToken:
    found = uow.repo(AccountToken).find(digest=_digest(secret))
    if not found or found[0].purpose is not purpose or not found[0].usable(now):
        raise InvalidInput(LINK_REFUSED, "token")
    return found[0]
