"""The acting principal: who a request is from, and what it may act for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from buurt.domain.parties import PartyKind


@dataclass(frozen=True)
class Principal:
    """A member, business or thing, resolved from its bearer token.

    ``circles`` are the circles it belongs to, ``admin_of`` those it administers, and
    ``businesses`` those it acts for (the businesses a member owns, or a business itself).
    ``as_of`` is when it was resolved: the instant time-bound rules (consent grants) are
    judged at for this request; without it, those rules say no.
    """

    kind: PartyKind
    id: str
    token_id: str
    circles: frozenset[str] = field(default_factory=frozenset)
    admin_of: frozenset[str] = field(default_factory=frozenset)
    businesses: frozenset[str] = field(default_factory=frozenset)
    as_of: datetime | None = None

    @property
    def is_member(self) -> bool:
        return self.kind is PartyKind.MEMBER

    def acts_for(self, kind: str, ident: str) -> bool:
        """May this principal act as the owner ``(kind, ident)``?"""
        if kind == "business":
            return ident in self.businesses
        if kind == "circle":
            return ident in self.admin_of
        return kind == self.kind.value and ident == self.id
