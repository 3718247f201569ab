"""The circle charter: read it, propose a change, vote, and close proposals when their window ends.

Nobody changes a charter directly, admins included: a new version only comes from a passed
proposal. Closing happens in ``close_due_proposals`` (run by ``buurt maintenance`` and by the
periodic task of ``buurt serve``) and lazily whenever a circle's charter or proposals are read,
so a reader never sees a proposal as open after its window.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from buurt.domain.charter import (
    CharterProposal,
    CharterProposalStatus,
    CharterVersion,
    CharterVote,
    VoteChoice,
    check_changes,
)
from buurt.domain.community import Circle
from buurt.domain.errors import Conflict, NotFound
from buurt.domain.events import CharterProposalClosed, CharterProposalOpened
from buurt.domain.ids import new_id
from buurt.ports import Page, UnitOfWork
from buurt.ports.store import Between
from buurt.services.community.verification import require_verified, verified_members
from buurt.services.context import Services
from buurt.services.principals import Principal


def found(uow: UnitOfWork, circle_id: str, at: datetime) -> CharterVersion:
    """Version 1, the defaults, for a new circle (called where circles are created)."""
    first = CharterVersion(new_id("charter"), circle_id, 1, at)
    uow.flush()  # the circle row first: the unit of work does not order unrelated mappers
    uow.repo(CharterVersion).add(first)
    return first


def forget(uow: UnitOfWork, circle_id: str) -> None:
    """Remove a circle's charter history, votes and proposals (before the circle is deleted)."""
    for proposal in uow.repo(CharterProposal).find(circle_id=circle_id):
        for vote in uow.repo(CharterVote).find(proposal_id=proposal.id):
            uow.repo(CharterVote).delete(vote)
        uow.flush()
        uow.repo(CharterProposal).delete(proposal)
    for version in uow.repo(CharterVersion).find(circle_id=circle_id):
        uow.repo(CharterVersion).delete(version)
    uow.flush()


def in_force(uow: UnitOfWork, circle_id: str, at: datetime) -> CharterVersion:
    """The newest version; a circle from before charters existed gets version 1 here."""
    if uow.repo(Circle).get(circle_id) is None:
        raise NotFound("circle", circle_id)
    versions = uow.repo(CharterVersion).find(circle_id=circle_id)
    if not versions:
        return found(uow, circle_id, at)
    return max(versions, key=lambda v: v.version)


def current(services: Services, principal: Principal, circle_id: str) -> CharterVersion:
    close_due_proposals(services, services.clock.now(), circle_id=circle_id)
    with services.uow() as uow:
        charter = in_force(uow, circle_id, services.clock.now())
        uow.commit()
    return charter


def versions(
    services: Services, principal: Principal, circle_id: str, after: str | None, limit: int
) -> Page[CharterVersion]:
    current(services, principal, circle_id)
    with services.uow() as uow:
        return uow.repo(CharterVersion).page(
            where={"circle_id": circle_id}, after=after, limit=limit
        )


def _voter(uow: UnitOfWork, principal: Principal, circle_id: str) -> None:
    """Only verified neighbours propose and vote: a few hundred throwaway accounts must not
    decide a circle's data rules."""
    if uow.repo(Circle).get(circle_id) is None:
        raise NotFound("circle", circle_id)
    require_verified(uow, principal, circle_id, "propose and vote on its charter")


def propose(
    services: Services,
    principal: Principal,
    circle_id: str,
    changes: Mapping[str, Any],
    rationale: str,
) -> CharterProposal:
    now = services.clock.now()
    with services.uow() as uow:
        _voter(uow, principal, circle_id)
        charter = in_force(uow, circle_id, now)
        checked = check_changes(changes)
        if all(charter.rules().get(n) == v for n, v in checked.items()):
            # Valid, but it clashes with the charter as it stands: nothing to vote on.
            raise Conflict("the proposal changes nothing: the charter already says so")
        proposal = CharterProposal.open(
            new_id("charter_proposal"), charter, principal.id, changes, rationale, now
        )
        uow.repo(CharterProposal).add(proposal)
        services.commit(uow, CharterProposalOpened(proposal))
    return proposal


def _fetch(uow: UnitOfWork, circle_id: str, proposal_id: str) -> CharterProposal:
    proposal = uow.repo(CharterProposal).get(proposal_id)
    if proposal is None or proposal.circle_id != circle_id:
        raise NotFound("charter proposal", proposal_id)
    return proposal


def get_proposal(
    services: Services, principal: Principal, circle_id: str, proposal_id: str
) -> CharterProposal:
    now = services.clock.now()
    close_due_proposals(services, now, circle_id=circle_id)
    with services.uow() as uow:
        return _fetch(uow, circle_id, proposal_id)


def list_proposals(
    services: Services,
    principal: Principal,
    circle_id: str,
    status: CharterProposalStatus | None,
    after: str | None,
    limit: int,
) -> Page[CharterProposal]:
    close_due_proposals(services, services.clock.now(), circle_id=circle_id)
    where: dict[str, Any] = {"circle_id": circle_id}
    if status is not None:
        where["status"] = status
    with services.uow() as uow:
        if uow.repo(Circle).get(circle_id) is None:
            raise NotFound("circle", circle_id)
        return uow.repo(CharterProposal).page(where=where, after=after, limit=limit)


def vote(
    services: Services,
    principal: Principal,
    circle_id: str,
    proposal_id: str,
    choice: VoteChoice,
) -> CharterVote:
    """Cast or change this member's one vote while the window is open."""
    now = services.clock.now()
    close_due_proposals(services, now, circle_id=circle_id)
    with services.uow() as uow:
        _voter(uow, principal, circle_id)
        proposal = _fetch(uow, circle_id, proposal_id)
        if proposal.status is not CharterProposalStatus.OPEN or proposal.is_due(now):
            raise Conflict(f"voting on this proposal closed at {proposal.closes_at.isoformat()}")
        found_ = uow.repo(CharterVote).find(proposal_id=proposal_id, member_id=principal.id)
        if found_:
            cast = found_[0]
            cast.choice, cast.cast_at = choice, now
        else:
            cast = CharterVote(new_id("charter_vote"), proposal_id, principal.id, choice, now)
            uow.repo(CharterVote).add(cast)
        uow.commit()
    return cast


def _close(uow: UnitOfWork, proposal: CharterProposal, now: datetime) -> CharterVersion | None:
    """Tally the votes of those who are verified neighbours at closing (the electorate); a
    pass adds the next version."""
    members = verified_members(uow, proposal.circle_id)
    votes = uow.repo(CharterVote).find(proposal_id=proposal.id)
    choices = [v.choice for v in votes if v.member_id in members]
    at = proposal.closes_at
    if not proposal.close(choices, len(members), at):
        return None
    # Changes apply on top of the version in force at closing, so proposals that passed
    # meanwhile are kept, and history stays one line.
    base = in_force(uow, proposal.circle_id, at)
    successor = base.successor(new_id("charter"), proposal.changes, proposal.id, at)
    proposal.result_version = successor.version
    uow.repo(CharterVersion).add(successor)
    return successor


def close_due_proposals(
    services: Services, now: datetime, *, circle_id: str | None = None
) -> list[CharterProposal]:
    """Close every open proposal whose window has ended (optionally of one circle only).

    Each proposal closes in its own transaction; one that another process closed at the same
    moment (a ``Conflict`` on the version number) is left to that process.
    """
    # Between's end is exclusive; a window closing exactly now is due.
    until = now + timedelta(microseconds=1)
    where: dict[str, Any] = {"status": CharterProposalStatus.OPEN, "closes_at": Between(end=until)}
    if circle_id is not None:
        where["circle_id"] = circle_id
    with services.uow() as uow:
        found_ = uow.repo(CharterProposal).page(where=where, limit=500).items
        # In closing order: a later proposal's changes apply on top of an earlier one's.
        due = [p.id for p in sorted(found_, key=lambda p: (p.closes_at, p.id))]
    closed: list[CharterProposal] = []
    for ident in due:
        with services.uow() as uow:
            proposal = uow.repo(CharterProposal).get(ident)
            if proposal is None or not proposal.is_due(now):
                continue
            _close(uow, proposal, now)
            try:
                services.commit(uow, CharterProposalClosed(proposal))
            except Conflict:
                continue
        closed.append(proposal)
    return closed
