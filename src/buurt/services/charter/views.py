"""What a circle's page shows of its charter: the rules in force, how they came to be, and
the proposals open for votes with the viewer's own vote.

Reading closes any proposal whose window has ended first (as every charter read does), so a
page never shows a vote as open after its time.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurt.domain.charter import CharterProposal, CharterProposalStatus, CharterVersion, CharterVote
from buurt.domain.community import Circle, Membership
from buurt.domain.errors import NotFound
from buurt.services.charter.proposals import close_due_proposals, in_force
from buurt.services.context import Services
from buurt.services.principals import Principal

HISTORY = 20
CLOSED = 10


@dataclass(frozen=True)
class CharterPage:
    circle: Circle
    charter: CharterVersion
    history: list[CharterVersion]  # newest first
    open: list[CharterProposal]  # closing soonest first
    closed: list[CharterProposal]  # newest first
    my_votes: dict[str, CharterVote]  # by proposal id
    members: int


def charter_page(services: Services, principal: Principal, circle_id: str) -> CharterPage:
    """The charter of a circle the principal belongs to (``NotFound`` otherwise)."""
    if circle_id not in principal.circles:
        raise NotFound("circle", circle_id)
    now = services.clock.now()
    close_due_proposals(services, now, circle_id=circle_id)
    with services.uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
        if circle is None:
            raise NotFound("circle", circle_id)
        charter = in_force(uow, circle_id, now)
        history = sorted(
            uow.repo(CharterVersion).find(circle_id=circle_id),
            key=lambda v: v.version,
            reverse=True,
        )[:HISTORY]
        proposals = uow.repo(CharterProposal).find(circle_id=circle_id)
        open_ = sorted(
            (p for p in proposals if p.status is CharterProposalStatus.OPEN),
            key=lambda p: p.closes_at,
        )
        closed = sorted(
            (p for p in proposals if p.status is not CharterProposalStatus.OPEN),
            key=lambda p: p.closed_at or p.closes_at,
            reverse=True,
        )[:CLOSED]
        votes = {
            p.id: found[0]
            for p in open_
            if principal.is_member
            and (found := uow.repo(CharterVote).find(proposal_id=p.id, member_id=principal.id))
        }
        members = len(uow.repo(Membership).find(circle_id=circle_id))
        uow.commit()
    return CharterPage(circle, charter, history, open_, closed, votes, members)
