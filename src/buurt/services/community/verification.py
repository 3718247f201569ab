"""Verified neighbours: what only a verified member of a circle may do (vote, support, pledge,
review) asks here, and nowhere else.

Today a circle's members are its verified neighbours; admission routes (invite codes, address
letters, in-person codes, vouching) make verification a step of its own.
"""

from __future__ import annotations

from buurt.domain.community import Membership
from buurt.domain.errors import PermissionDenied
from buurt.ports import UnitOfWork
from buurt.services.principals import Principal


def is_verified(uow: UnitOfWork, member_id: str, circle_id: str) -> bool:
    """Is this member a verified neighbour of this circle?"""
    return bool(uow.repo(Membership).find(circle_id=circle_id, member_id=member_id))


def require_verified(uow: UnitOfWork, principal: Principal, circle_id: str, doing: str) -> None:
    """``PermissionDenied`` unless the principal is a member and a verified neighbour of the
    circle; ``doing`` names the act in the message ("vote on the charter")."""
    if not principal.is_member or not is_verified(uow, principal.id, circle_id):
        raise PermissionDenied(f"only verified neighbours of the circle may {doing}")
