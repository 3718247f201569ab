"""Access tokens: how every principal (member, business, thing) authenticates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from buurt.domain.parties import PartyKind


@dataclass
class AccessToken:
    """A bearer token; only its SHA-256 digest is stored, the secret is shown once."""

    id: str
    principal_kind: PartyKind
    principal_id: str
    digest: str
    label: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_live(self, at: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or at < self.expires_at
