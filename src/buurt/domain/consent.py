"""Consent grants: purpose-bound, revocable permissions owned by the member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from buurt.domain.changes import Changeable
from buurt.domain.parties import PartyKind


class DataCategory(StrEnum):
    PROFILE = "profile"
    LOCATION = "location"
    INTENTS = "intents"
    PREFERENCES = "preferences"
    THING_DATA = "thing_data"
    PURCHASE_HISTORY = "purchase_history"


class Purpose(StrEnum):
    MATCHING = "matching"
    SERVICE_DELIVERY = "service_delivery"
    ANALYTICS = "analytics"
    # A circle's admins reading a profile to run the circle (see docs/consent.md).
    ADMINISTRATION = "administration"


@dataclass
class ConsentGrant(Changeable):
    id: str
    member_id: str
    recipient_kind: PartyKind
    recipient_id: str
    category: DataCategory
    purpose: Purpose
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    thing_id: str | None = None

    # Who, what and why are the grant itself: changing them is granting anew.
    CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"expires_at"})

    def is_live(self, at: datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= at:
            return False
        return self.expires_at is None or at < self.expires_at
