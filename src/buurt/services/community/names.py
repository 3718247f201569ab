"""Who is who, in words: the names pages show for the ids a record holds."""

from __future__ import annotations

from collections.abc import Iterable

from buurt.domain.community import Business, Circle, Member, Thing
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork


def names(uow: UnitOfWork, parties: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The name of each ``(kind, id)`` party: a business's, a circle's, a thing's; a member's
    first name only (pages show members to others by first name); unknown ids map to
    themselves."""
    found: dict[str, str] = {}
    for kind, ident in set(parties):
        if ident in found:
            continue
        name: str | None = None
        if kind == PartyKind.BUSINESS:
            business = uow.repo(Business).get(ident)
            name = business.name if business else None
        elif kind == PartyKind.CIRCLE:
            circle = uow.repo(Circle).get(ident)
            name = circle.name if circle else None
        elif kind == PartyKind.THING:
            thing = uow.repo(Thing).get(ident)
            name = thing.name if thing else None
        elif kind == PartyKind.MEMBER:
            member = uow.repo(Member).get(ident)
            name = member.name.split()[0] if member and member.name else None
        found[ident] = name or ident
    return found
