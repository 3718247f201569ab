"""Joining and leaving a circle."""

from __future__ import annotations

import pytest

from buurt.domain.community import Membership, Role
from buurt.domain.errors import Conflict, NotFound
from buurt.services.community import circles, members
from buurt.services.context import Services
from tests.unit.services.conftest import START, Neighbour


def test_a_member_who_joins_a_circle_belongs_to_it(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    membership = circles.join_circle(services, bob.principal, circle_id)

    assert (membership.circle_id, membership.member_id) == (circle_id, bob.id)
    assert membership.role is Role.MEMBER
    assert membership.joined_at == START
    assert circle_id in bob.principal.circles
    assert circle_id not in bob.principal.admin_of
    roles = {m.member_id: m.role for m in _memberships(services, circle_id)}
    assert roles == {ada.id: Role.ADMIN, bob.id: Role.MEMBER}


def test_joining_twice_is_a_conflict(services: Services, bob: Neighbour, circle_id: str) -> None:
    circles.join_circle(services, bob.principal, circle_id)

    with pytest.raises(Conflict, match="already a member"):
        circles.join_circle(services, bob.principal, circle_id)

    assert len(members.circles_of(services, bob.id)) == 1


def test_joining_a_circle_that_does_not_exist_is_not_found(
    services: Services, bob: Neighbour
) -> None:
    with pytest.raises(NotFound):
        circles.join_circle(services, bob.principal, "cir_missing")


def test_a_member_leaves_but_the_last_admin_stays(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    circles.join_circle(services, bob.principal, circle_id)

    circles.leave_circle(services, bob.principal, circle_id)
    with pytest.raises(Conflict, match="last admin"):
        circles.leave_circle(services, ada.principal, circle_id)

    assert circle_id not in bob.principal.circles
    assert [m.member_id for m in _memberships(services, circle_id)] == [ada.id]


def _memberships(services: Services, circle_id: str) -> list[Membership]:
    with services.uow() as uow:
        return uow.repo(Membership).find(circle_id=circle_id)
