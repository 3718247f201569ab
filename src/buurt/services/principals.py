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
    ``works_for`` are the businesses a member works for as staff: they may switch to acting
    for them (``auth.as_business``), and a business principal reached that way is ``staff``,
    doing the shop's work without the owner's rights (``owns``). ``as_of`` is when it was
    resolved: the instant time-bound rules (consent grants) are judged at for this request;
    without it, those rules say no.
    """

    kind: PartyKind
    id: str
    token_id: str
    circles: frozenset[str] = field(default_factory=frozenset)
    admin_of: frozenset[str] = field(default_factory=frozenset)
    businesses: frozenset[str] = field(default_factory=frozenset)
    as_of: datetime | None = None
    works_for: frozenset[str] = field(default_factory=frozenset)
    staff: bool = False

    @property
    def is_member(self) -> bool:
        return self.kind is PartyKind.MEMBER

    def owns(self, business_id: str) -> bool:
        """May this principal do what only a business's owner does (manage its staff,
        delete it)? Its owner, and the business's own tokens, which only the owner issues."""
        return business_id in self.businesses and not self.staff

    def acts_for(self, kind: str, ident: str) -> bool:
        """May this principal act as the owner ``(kind, ident)``?"""
        if kind == "business":
            return ident in self.businesses
        if kind == "circle":
            return ident in self.admin_of
        return kind == self.kind.value and ident == self.id
