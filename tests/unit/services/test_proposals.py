"""Proposals on the fakes: made in one's circle, supported once by verified neighbours,
discussed one level deep, ranked three ways."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.domain.cocreation import HALF_LIFE, ProposalSort
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from buurt.services.cocreation import discussion, proposals
from buurt.services.context import Services
from buurt.testing import FrozenClock
from tests.unit.services.conftest import Neighbour, admit


def _join(services: Services, who: Neighbour, circle_id: str) -> None:
    admit(services, who, circle_id)


def _propose(services: Services, who: Neighbour, circle_id: str, title: str = "Oat milk") -> str:
    return proposals.propose(
        services,
        who.principal,
        circle_id=circle_id,
        title=title,
        description="In returnable bottles, from the farm up the road.",
        category="food/dairy",
        price_idea=2.5,
    ).id


def test_support_is_one_per_verified_neighbour_and_withdrawable(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    proposal_id = _propose(services, ada, circle_id)
    with pytest.raises(NotFound):  # Bob is no member of the circle: he does not see it
        discussion.support(services, bob.principal, proposal_id)
    _join(services, bob, circle_id)
    assert discussion.support(services, bob.principal, proposal_id).support_count == 1
    with pytest.raises(Conflict):
        discussion.support(services, bob.principal, proposal_id)
    assert discussion.withdraw_support(services, bob.principal, proposal_id).support_count == 0
    assert discussion.support(services, bob.principal, proposal_id).support_count == 1


def test_only_members_of_the_circle_propose(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    with pytest.raises(NotFound):
        _propose(services, bob, circle_id)
    _join(services, bob, circle_id)
    assert _propose(services, bob, circle_id)  # the control


def test_replies_go_one_level_deep(services: Services, ada: Neighbour, circle_id: str) -> None:
    proposal_id = _propose(services, ada, circle_id)
    top = discussion.comment(services, ada.principal, proposal_id, "Glass bottles, please")
    reply = discussion.comment(services, ada.principal, proposal_id, "Yes", top.id)
    with pytest.raises(InvalidInput, match="not to a reply"):
        discussion.comment(services, ada.principal, proposal_id, "No", reply.id)
    listed = discussion.comments(services, ada.principal, proposal_id).items
    assert [(c.text, c.parent_id) for c in listed] == [
        ("Glass bottles, please", None),
        ("Yes", top.id),
    ]


def test_only_the_author_changes_a_proposal(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    proposal_id = _propose(services, ada, circle_id)
    _join(services, bob, circle_id)
    with pytest.raises(PermissionDenied):
        proposals.update(services, bob.principal, proposal_id, {"title": "Cow milk"})
    changed = proposals.update(services, ada.principal, proposal_id, {"title": "Oat drink"})
    assert changed.title == "Oat drink"
    with pytest.raises(InvalidInput):
        proposals.update(services, ada.principal, proposal_id, {"status": "closed"})


def test_ranking_by_recent_support_newest_and_most_supported(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    _join(services, bob, circle_id)
    old = _propose(services, ada, circle_id, "Old favourite")
    discussion.support(services, ada.principal, old)
    discussion.support(services, bob.principal, old)
    clock.advance(3 * HALF_LIFE)
    new = _propose(services, ada, circle_id, "New idea")
    discussion.support(services, bob.principal, new)
    clock.advance(timedelta(hours=1))

    def order(sort: ProposalSort) -> list[str]:
        return [p.id for p in proposals.ranked(services, ada.principal, sort=sort).items]

    assert order(ProposalSort.RECENT) == [new, old]
    assert order(ProposalSort.MOST_SUPPORTED) == [old, new]
    assert order(ProposalSort.NEWEST) == [new, old]
    first = proposals.ranked(services, ada.principal, sort=ProposalSort.RECENT, limit=1)
    assert ([p.id for p in first.items], first.next_cursor) == ([new], "1")
    rest = proposals.ranked(
        services, ada.principal, sort=ProposalSort.RECENT, cursor=first.next_cursor
    )
    assert ([p.id for p in rest.items], rest.next_cursor) == ([old], None)
