"""Moderation: members report a proposal, a comment or a review of their circle; the circle's
moderators (its admins) read the reports, and hide the item, show it again, or dismiss its
reports, always with a reason. Each decision is an entry in the circle's moderation log, which
the whole circle reads: moderation is seen to be done."""

from __future__ import annotations

from dataclasses import dataclass

from buurt.domain.cocreation import MAX_REASON, Comment, Proposal, required_text
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.ids import new_id
from buurt.domain.moderation import (
    ModerationAction,
    ModerationEntry,
    Report,
    TargetKind,
)
from buurt.domain.reviews import Review
from buurt.ports import Page, UnitOfWork
from buurt.services.cocreation import proposals, reviews
from buurt.services.cocreation.proposals import in_circle, is_author
from buurt.services.context import Services
from buurt.services.principals import Principal

Target = Proposal | Comment | Review


@dataclass(frozen=True)
class Found:
    """A target of moderation with the circle it belongs to."""

    kind: TargetKind
    entity: Target
    circle_id: str


def _comment(uow: UnitOfWork, principal: Principal, proposal_id: str, comment_id: str) -> Found:
    proposal = proposals.fetch(uow, principal, proposal_id)
    found = uow.repo(Comment).get(comment_id)
    if found is None or found.proposal_id != proposal.id:
        raise NotFound("comment", comment_id)
    mine = found.author_id is not None and principal.acts_for(
        found.author_kind.value, found.author_id
    )
    if (
        found.hidden_reason is not None
        and not mine
        and proposal.circle_id not in principal.admin_of
    ):
        raise NotFound("comment", comment_id)
    return Found(TargetKind.COMMENT, found, proposal.circle_id)


def target(
    uow: UnitOfWork,
    principal: Principal,
    kind: TargetKind,
    ident: str,
    proposal_id: str | None = None,
) -> Found:
    """The item as the principal sees it (``NotFound`` for what they may not see). A comment is
    looked up under its proposal."""
    if kind is TargetKind.PROPOSAL:
        proposal = proposals.fetch(uow, principal, ident)
        return Found(kind, proposal, proposal.circle_id)
    if kind is TargetKind.REVIEW:
        review = reviews.fetch(uow, principal, ident)
        return Found(kind, review, review.circle_id)
    if proposal_id is None:
        found = uow.repo(Comment).get(ident)
        if found is None:
            raise NotFound("comment", ident)
        proposal_id = found.proposal_id
    return _comment(uow, principal, proposal_id, ident)


def _authored_by(principal: Principal, found: Found) -> bool:
    entity = found.entity
    if isinstance(entity, Proposal):
        return is_author(principal, entity)
    if isinstance(entity, Review):
        return entity.member_id == principal.id
    return entity.author_id is not None and principal.acts_for(
        entity.author_kind.value, entity.author_id
    )


def report(
    services: Services,
    principal: Principal,
    kind: TargetKind,
    ident: str,
    reason: str,
    *,
    proposal_id: str | None = None,
) -> Report:
    """A member of the circle reports an item they see, once (a second time is ``Conflict``)."""
    why = required_text(reason, "reason", MAX_REASON)
    with services.uow() as uow:
        found = target(uow, principal, kind, ident, proposal_id)
        if not principal.is_member:
            raise PermissionDenied("only members report")
        if _authored_by(principal, found):
            raise PermissionDenied("you cannot report what you wrote")
        if uow.repo(Report).find(target_kind=kind, target_id=ident, reporter_id=principal.id):
            raise Conflict("you reported this already")
        made = Report(
            id=new_id("report"),
            circle_id=found.circle_id,
            target_kind=kind,
            target_id=ident,
            reporter_id=principal.id,
            reason=why,
            created_at=services.clock.now(),
        )
        uow.repo(Report).add(made)
        uow.commit()  # the same report twice at once: Conflict from the store
    return made


def _moderator(principal: Principal, circle_id: str) -> None:
    if not in_circle(principal, circle_id):
        raise NotFound("circle", circle_id)
    if circle_id not in principal.admin_of:
        raise PermissionDenied("only the circle's moderators (its admins) do this")


def queue(
    services: Services, principal: Principal, circle_id: str, after: str | None, limit: int
) -> Page[Report]:
    """The circle's open reports, oldest first: for its moderators only."""
    _moderator(principal, circle_id)
    with services.uow() as uow:
        return uow.repo(Report).page(where={"circle_id": circle_id}, after=after, limit=limit)


def decide(
    services: Services,
    principal: Principal,
    circle_id: str,
    *,
    kind: TargetKind,
    ident: str,
    action: ModerationAction,
    reason: str,
) -> ModerationEntry:
    """A moderator hides an item, shows a hidden one again, or dismisses its reports. The
    item's open reports are closed by it, and the decision goes into the log."""
    why = required_text(reason, "reason", MAX_REASON)
    _moderator(principal, circle_id)
    now = services.clock.now()
    with services.uow() as uow:
        found = target(uow, principal, kind, ident)
        if found.circle_id != circle_id:
            raise NotFound(kind.value, ident)
        open_reports = uow.repo(Report).find(target_kind=kind, target_id=ident)
        hidden = found.entity.hidden_reason is not None
        if action is ModerationAction.HIDDEN:
            if hidden:
                raise Conflict(f"this {kind} is hidden already")
            found.entity.hidden_reason = why
        elif action is ModerationAction.RESTORED:
            if not hidden:
                raise Conflict(f"this {kind} is not hidden")
            found.entity.hidden_reason = None
        elif not open_reports:
            raise Conflict(f"this {kind} has no open reports to dismiss")
        for done in open_reports:
            uow.repo(Report).delete(done)
        entry = ModerationEntry(
            id=new_id("moderation"),
            circle_id=circle_id,
            target_kind=kind,
            target_id=ident,
            action=action,
            reason=why,
            moderator_id=principal.id,
            created_at=now,
        )
        uow.repo(ModerationEntry).add(entry)
        uow.commit()
    return entry


def log(
    services: Services, principal: Principal, circle_id: str, after: str | None, limit: int
) -> Page[ModerationEntry]:
    """The circle's moderation log, oldest first: public to everyone in the circle."""
    if not in_circle(principal, circle_id):
        raise NotFound("circle", circle_id)
    with services.uow() as uow:
        return uow.repo(ModerationEntry).page(
            where={"circle_id": circle_id}, after=after, limit=limit
        )
