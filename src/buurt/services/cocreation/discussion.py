"""Discussion of a proposal: comments one level deep, and support, one per verified neighbour."""

from __future__ import annotations

from buurt.domain.cocreation import MAX_COMMENT, Comment, Proposal, Support, required_text
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from buurt.domain.following import UpdateKind
from buurt.domain.ids import new_id
from buurt.domain.moments import PublicationKind, Reason, ReasonCode
from buurt.domain.parties import PartyKind
from buurt.ports import Page
from buurt.services.cocreation import following, proposals
from buurt.services.community.verification import require_verified
from buurt.services.context import Services
from buurt.services.principals import Principal


def comment(
    services: Services,
    principal: Principal,
    proposal_id: str,
    text: str,
    parent_id: str | None = None,
) -> Comment:
    """A member or business of the circle comments, or replies to a comment (not to a reply)."""
    body = required_text(text, "text", MAX_COMMENT)
    if principal.kind not in (PartyKind.MEMBER, PartyKind.BUSINESS):
        raise PermissionDenied("only members and businesses comment")
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        if parent_id is not None:
            parent = uow.repo(Comment).get(parent_id)
            if parent is None or parent.proposal_id != proposal.id:
                raise InvalidInput("no such comment on this proposal", "parent_id")
            if parent.parent_id is not None:
                raise InvalidInput("replies go to a comment, not to a reply", "parent_id")
        made = Comment(
            id=new_id("comment"),
            proposal_id=proposal.id,
            author_kind=principal.kind,
            author_id=principal.id,
            text=body,
            created_at=services.clock.now(),
            parent_id=parent_id,
        )
        uow.repo(Comment).add(made)
        told = following.tell(
            services,
            uow,
            proposal,
            UpdateKind.COMMENTED,
            (PublicationKind.COMMENT, made.id),
            Reason(
                f"New comment on {proposal.title}: {_excerpt(body)}",
                ReasonCode.PROPOSAL_COMMENTED,
                {"title": proposal.title, "excerpt": _excerpt(body)},
            ),
            by=(principal.kind.value, principal.id),
        )
        services.commit(uow, *told)
    return made


def _excerpt(text: str, size: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def comments(
    services: Services,
    principal: Principal,
    proposal_id: str,
    after: str | None = None,
    limit: int = 50,
) -> Page[Comment]:
    """A proposal's comments, oldest first; a hidden one only for its author and the circle's
    admins."""
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        page = uow.repo(Comment).page(where={"proposal_id": proposal.id}, after=after, limit=limit)
    moderator = proposal.circle_id in principal.admin_of
    shown = [
        c
        for c in page.items
        if c.hidden_reason is None
        or moderator
        or (c.author_id is not None and principal.acts_for(c.author_kind.value, c.author_id))
    ]
    return Page(items=shown, next_cursor=page.next_cursor)


def support(services: Services, principal: Principal, proposal_id: str) -> Proposal:
    """A verified neighbour supports a proposal, once."""
    now = services.clock.now()
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        require_verified(uow, principal, proposal.circle_id, "support proposals")
        if uow.repo(Support).find(proposal_id=proposal.id, member_id=principal.id):
            raise Conflict("you support this proposal already")
        proposal.supported(now)
        uow.repo(Support).add(Support(new_id("support"), proposal.id, principal.id, created_at=now))
        uow.commit()  # the store refuses a second support made at the same time: Conflict
    return proposal


def withdraw_support(services: Services, principal: Principal, proposal_id: str) -> Proposal:
    now = services.clock.now()
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        mine = uow.repo(Support).find(proposal_id=proposal.id, member_id=principal.id)
        if not mine:
            raise NotFound("support", proposal_id)
        proposal.unsupported(mine[0].created_at, now)
        uow.repo(Support).delete(mine[0])
        uow.commit()
    return proposal


def supports(services: Services, principal: Principal, proposal_id: str) -> bool:
    """Does the principal support the proposal?"""
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        return bool(uow.repo(Support).find(proposal_id=proposal.id, member_id=principal.id))
