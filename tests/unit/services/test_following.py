"""Following on the fakes: a category covers its sub-categories; a member who left the circle
hears nothing more; a hidden proposal tells nobody; one follow per member and topic."""

from __future__ import annotations

import pytest

from buurt.domain.errors import Conflict, InvalidInput
from buurt.domain.moments import Moment, StandingKind
from buurt.services.cocreation import discussion, following, proposals
from buurt.services.community import circles
from buurt.services.context import Services
from tests.unit.services.conftest import Neighbour


def _propose(services: Services, ada: Neighbour, circle_id: str, category: str) -> str:
    return proposals.propose(
        services,
        ada.principal,
        circle_id=circle_id,
        title="Rye bread on Sundays",
        description="Sourdough rye.",
        category=category,
    ).id


def _told(services: Services, who: Neighbour) -> int:
    with services.uow() as uow:
        return len(
            [
                m
                for m in uow.repo(Moment).find(recipient_id=who.id)
                if m.standing_kind is StandingKind.FOLLOW
            ]
        )


def test_a_category_covers_its_sub_categories_only(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    circles.join_circle(services, bob.principal, circle_id)
    following.follow(services, bob.principal, circle_id=circle_id, category="food/bread")
    with pytest.raises(Conflict):
        following.follow(services, bob.principal, circle_id=circle_id, category="food/bread")
    with pytest.raises(InvalidInput):
        following.follow(services, bob.principal, category="food")  # in which circle?
    dairy = _propose(services, ada, circle_id, "food/dairy")
    discussion.comment(services, ada.principal, dairy, "Oat milk too?")
    assert _told(services, bob) == 0
    rye = _propose(services, ada, circle_id, "food/bread/rye")
    discussion.comment(services, ada.principal, rye, "Caraway?")
    assert _told(services, bob) == 1  # the control


def test_who_left_the_circle_or_a_hidden_proposal_tells_nobody(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    circles.join_circle(services, bob.principal, circle_id)
    proposal_id = _propose(services, ada, circle_id, "food/bread")
    following.follow(services, bob.principal, proposal_id=proposal_id)
    discussion.comment(services, ada.principal, proposal_id, "First")
    assert _told(services, bob) == 1
    circles.leave_circle(services, bob.principal, circle_id)
    discussion.comment(services, ada.principal, proposal_id, "Second")
    assert _told(services, bob) == 1
    circles.join_circle(services, bob.principal, circle_id)
    with services.uow() as uow:
        proposal = proposals.fetch(uow, ada.principal, proposal_id)
        proposal.hidden_reason = "Rule 3"
        uow.commit()
    discussion.comment(services, ada.principal, proposal_id, "Third")  # Ada, its author, sees it
    assert _told(services, bob) == 1
    with services.uow() as uow:
        proposals.fetch(uow, ada.principal, proposal_id).hidden_reason = None
        uow.commit()
    discussion.comment(services, ada.principal, proposal_id, "Fourth")
    assert _told(services, bob) == 2  # the control: shown again, and Bob is back
