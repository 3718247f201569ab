"""Proposals: made by a member or a business of a circle, seen by the circle, changed by their
author, ranked by recent support, newest or most supported."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from buurt.domain.cocreation import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    Proposal,
    ProposalSort,
    required_text,
)
from buurt.domain.community import Business
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services.context import Services
from buurt.services.principals import Principal

MAX_RANKED = 2000  # proposals a ranked listing reads: far more than a circle discusses at once


def in_circle(principal: Principal, circle_id: str) -> bool:
    return circle_id in principal.circles or circle_id in principal.admin_of


def is_author(principal: Principal, proposal: Proposal) -> bool:
    return proposal.author_id is not None and principal.acts_for(
        proposal.author_kind.value, proposal.author_id
    )


class ProposalPolicy:
    """The circle sees its proposals; a hidden one only its author and the circle's admins."""

    name = "proposal"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Proposal) -> bool:
        if not in_circle(principal, entity.circle_id):
            return False
        return (
            entity.hidden_reason is None
            or entity.circle_id in principal.admin_of
            or is_author(principal, entity)
        )

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Proposal) -> bool:
        return is_author(principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return [{"circle_id": sorted(principal.circles | principal.admin_of)}]


POLICY = ProposalPolicy()


def _author(uow: UnitOfWork, principal: Principal, circle_id: str) -> tuple[PartyKind, str]:
    """Who proposes: a member of the circle, or a business of it."""
    if principal.kind is PartyKind.BUSINESS:
        business = uow.repo(Business).get(principal.id)
        if business is None or business.circle_id != circle_id:
            raise PermissionDenied("a business proposes only in its own circle")
        return PartyKind.BUSINESS, principal.id
    if principal.is_member and in_circle(principal, circle_id):
        return PartyKind.MEMBER, principal.id
    raise PermissionDenied("only members and businesses of the circle make proposals")


def _checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    checked = dict(changes)
    if "title" in checked:
        checked["title"] = required_text(checked["title"], "title", MAX_TITLE)
    if "description" in checked:
        checked["description"] = required_text(
            checked["description"], "description", MAX_DESCRIPTION
        )
    price = checked.get("price_idea")
    if price is not None and price < 0:
        raise InvalidInput("a price is never negative", "price_idea")
    return checked


def propose(
    services: Services,
    principal: Principal,
    *,
    circle_id: str,
    title: str,
    description: str,
    category: str,
    price_idea: float | None = None,
) -> Proposal:
    now = services.clock.now()
    fields = _checked({"title": title, "description": description, "price_idea": price_idea})
    with services.uow() as uow:
        if not in_circle(principal, circle_id):
            raise NotFound("circle", circle_id)
        author_kind, author_id = _author(uow, principal, circle_id)
        proposal = Proposal(
            id=new_id("proposal"),
            circle_id=circle_id,
            author_kind=author_kind,
            author_id=author_id,
            category=category,
            created_at=now,
            updated_at=now,
            **fields,
        )
        uow.repo(Proposal).add(proposal)
        uow.commit()
    return proposal


def fetch(uow: UnitOfWork, principal: Principal, proposal_id: str) -> Proposal:
    proposal = uow.repo(Proposal).get(proposal_id)
    if proposal is None or not POLICY.visible(uow, principal, proposal):
        raise NotFound("proposal", proposal_id)
    return proposal


def update(
    services: Services, principal: Principal, proposal_id: str, changes: Mapping[str, Any]
) -> Proposal:
    with services.uow() as uow:
        proposal = fetch(uow, principal, proposal_id)
        if not POLICY.changeable(uow, principal, proposal):
            raise PermissionDenied("only its author changes a proposal")
        proposal.change(_checked(changes))
        proposal.updated_at = services.clock.now()
        uow.commit()
    return proposal


@dataclass(frozen=True)
class Ranked:
    items: list[Proposal]
    next_cursor: str | None


def ranked(
    services: Services,
    principal: Principal,
    *,
    sort: ProposalSort,
    circle_id: str | None = None,
    category: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Ranked:
    """A page of the proposals the principal sees, in the order asked for. The cursor is the
    position in that order (a ranking moves as support comes and goes, so it cannot be an id)."""
    try:
        start = int(cursor or 0)
    except ValueError:
        raise InvalidInput("not a cursor of this listing", "cursor") from None
    now = services.clock.now()
    where: dict[str, Any] = {}
    if circle_id is not None:
        where["circle_id"] = circle_id
    with services.uow() as uow:
        scope = POLICY.scope(uow, principal)
        found: list[Proposal] = []
        after = None
        while len(found) < MAX_RANKED:
            page = uow.repo(Proposal).page(where=where, any_of=scope, after=after, limit=500)
            found += page.items
            after = page.next_cursor
            if after is None:
                break
        seen = [
            p
            for p in found
            if POLICY.visible(uow, principal, p) and _in_category(p.category, category)
        ]
    seen.sort(key=lambda p: p.id, reverse=True)  # newest first, and ties of the others
    if sort is ProposalSort.RECENT:
        seen.sort(key=lambda p: p.trend_at_instant(now), reverse=True)
    elif sort is ProposalSort.MOST_SUPPORTED:
        seen.sort(key=lambda p: p.support_count, reverse=True)
    start = max(start, 0)
    items = seen[start : start + limit]
    more = start + limit < len(seen)
    return Ranked(items, str(start + limit) if more else None)


def _in_category(category: str, wanted: str | None) -> bool:
    return wanted is None or category == wanted or category.startswith(wanted + "/")


def trend(proposal: Proposal, at: datetime) -> float:
    return round(proposal.trend_at_instant(at), 4)


def delete(services: Services, principal: Principal, proposal_id: str) -> list[str]:
    """Its author deletes a proposal no campaign was made of, with its discussion; returns the
    ids of its images, whose files the caller removes once this is committed."""
    from buurt.domain.campaigns import Campaign
    from buurt.domain.cocreation import Comment, ProposalImage, Support
    from buurt.domain.moderation import Report

    with services.uow() as uow:
        proposal = fetch(uow, principal, proposal_id)
        if not POLICY.changeable(uow, principal, proposal):
            raise PermissionDenied("only its author deletes a proposal")
        if uow.repo(Campaign).find(proposal_id=proposal.id):
            raise Conflict("a campaign was made of this proposal: it stays")
        images = uow.repo(ProposalImage).find(proposal_id=proposal.id)
        said = uow.repo(Comment).find(proposal_id=proposal.id)
        # Open reports go with what they report; the moderation log keeps its history.
        reported = [
            *uow.repo(Report).find(target_kind="proposal", target_id=proposal.id),
            *(
                r
                for c in said
                for r in uow.repo(Report).find(target_kind="comment", target_id=c.id)
            ),
        ]
        # Replies before the comments they answer, everything before the proposal.
        for entity in [
            *uow.repo(Support).find(proposal_id=proposal.id),
            *images,
            *reported,
            *(c for c in said if c.parent_id is not None),
        ]:
            uow.repo(type(entity)).delete(entity)
        uow.flush()
        for entity in (c for c in said if c.parent_id is None):
            uow.repo(Comment).delete(entity)
        uow.flush()
        from buurt.services.cocreation.following import forget_proposal

        forget_proposal(uow, proposal.id)
        uow.flush()
        uow.repo(Proposal).delete(proposal)
        uow.commit()
    return [image.id for image in images]
