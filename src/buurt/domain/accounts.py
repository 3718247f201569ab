"""Account tokens: the one-time secrets of an account's own mail (confirming the address,
resetting a forgotten password).

Only a digest of the secret is stored; the secret travels once, in a mail to the address. A
token is used at most once and only before it expires; a new token of the same purpose makes
the older ones useless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class AccountPurpose(StrEnum):
    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password


LIFETIME = {
    AccountPurpose.CONFIRM_EMAIL: timedelta(days=2),
    AccountPurpose.RESET_PASSWORD: timedelta(hours=1),
}
# A member gets at most this many mails of one purpose an hour (and one a minute).
MAILS_PER_HOUR = 5
MAIL_SPACING = timedelta(minutes=1)


@dataclass
class AccountToken:
    id: str
    member_id: str
    purpose: AccountPurpose
    digest: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, at: datetime) -> bool:
        return self.used_at is None and at < self.expires_at
