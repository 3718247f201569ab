"""Following: a member of a circle follows a proposal, or every proposal of a category there
(a category covers its sub-categories). A comment, a campaign opened on the proposal and its
settlement are updates; ``tell`` hands each to the matcher, which finds the followers and
makes their moments inside the unit of work of the update, through the same gate as every
moment (caps, quiet hours). Where engine workers match, the update's event is committed
instead, and the worker whose gate counts the followers' moments makes them (ADR 0017).
Followers pull them with their moments (``GET /v1/moments``).
"""

from __future__ import annotations

from buurt.domain.cocreation import Proposal
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from buurt.domain.events import DomainEvent
from buurt.domain.following import (
    Follow,
    Update,
    UpdateKind,
    category_topic,
    proposal_topic,
)
from buurt.domain.ids import new_id
from buurt.domain.moments import PublicationKind, Reason
from buurt.ports import Page, UnitOfWork
from buurt.services.cocreation import proposals
from buurt.services.cocreation.proposals import in_circle
from buurt.services.context import Services
from buurt.services.principals import Principal


def follow(
    services: Services,
    principal: Principal,
    *,
    proposal_id: str | None = None,
    circle_id: str | None = None,
    category: str | None = None,
) -> Follow:
    """Follow a proposal you see, or a category of one of your circles (once each)."""
    if not principal.is_member:
        raise PermissionDenied("only members follow proposals")
    if (proposal_id is None) == (category is None):
        raise InvalidInput("follow a proposal_id, or a circle_id with a category", "proposal_id")
    with services.uow() as uow:
        if proposal_id is not None:
            proposal = proposals.fetch(uow, principal, proposal_id)
            made = Follow(
                id=new_id("follow"),
                circle_id=proposal.circle_id,
                member_id=principal.id,
                topic=proposal_topic(proposal.id),
                created_at=services.clock.now(),
                proposal_id=proposal.id,
            )
        else:
            if circle_id is None:
                raise InvalidInput(
                    "a category is followed in a circle: give circle_id", "circle_id"
                )
            if not in_circle(principal, circle_id):
                raise NotFound("circle", circle_id)
            assert category is not None
            made = Follow(
                id=new_id("follow"),
                circle_id=circle_id,
                member_id=principal.id,
                topic=category_topic(circle_id, category),
                created_at=services.clock.now(),
                category=category,
            )
        if uow.repo(Follow).find(member_id=principal.id, topic=made.topic):
            raise Conflict("you follow this already")
        uow.repo(Follow).add(made)
        uow.commit()  # the same follow twice at once: Conflict from the store
    return made


def unfollow(services: Services, principal: Principal, follow_id: str) -> None:
    with services.uow() as uow:
        found = uow.repo(Follow).get(follow_id)
        if found is None or found.member_id != principal.id:
            raise NotFound("follow", follow_id)
        uow.repo(Follow).delete(found)
        uow.commit()


def mine(services: Services, principal: Principal, after: str | None, limit: int) -> Page[Follow]:
    with services.uow() as uow:
        return uow.repo(Follow).page(where={"member_id": principal.id}, after=after, limit=limit)


def tell(
    services: Services,
    uow: UnitOfWork,
    proposal: Proposal,
    kind: UpdateKind,
    source: tuple[PublicationKind, str],
    reason: Reason,
    by: tuple[str, str] | None = None,
    told: frozenset[str] = frozenset(),
) -> list[DomainEvent]:
    """The events that tell the followers of an update of ``proposal``, to commit with ``uow``:
    their moments' (added to it), or, where engine workers match, the update's own, which the
    worker that owns the circle's shard turns into moments (ADR 0017). A hidden proposal tells
    nobody."""
    if proposal.hidden_reason is not None:
        return []
    update = Update(
        id=new_id("update"),
        circle_id=proposal.circle_id,
        proposal_id=proposal.id,
        category=proposal.category,
        kind=kind,
        source_kind=source[0],
        source_id=source[1],
        reason=reason,
        by=by,
        told=told,
    )
    return services.matching.followers_told(uow, update, services.clock.now())


def forget_proposal(uow: UnitOfWork, proposal_id: str) -> None:
    """A proposal is deleted: so are its follows (in the same unit of work)."""
    for found in uow.repo(Follow).find(proposal_id=proposal_id):
        uow.repo(Follow).delete(found)
