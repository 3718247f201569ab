"""Moments: seen by their recipient and by the member whose need or data they concern.

The recipient accepts or declines a delivered moment; once accepted, either party marks it
fulfilled or cancelled. Moments are created by the engine, never through the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from buurt.domain.errors import PermissionDenied
from buurt.domain.events import MomentChanged
from buurt.domain.moments import Moment, MomentStatus
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.webhooks.deliveries import enqueue_webhooks


def _is_recipient(principal: Principal, moment: Moment) -> bool:
    return principal.acts_for(moment.recipient_kind, moment.recipient_id)


def is_party(principal: Principal, moment: Moment) -> bool:
    """The recipient, or the member whose need or data the moment concerns."""
    return _is_recipient(principal, moment) or (
        principal.is_member and moment.subject_member_id == principal.id
    )


def parties_of(principal: Principal) -> frozenset[tuple[str, str]]:
    """The owners a principal acts for, as ``Moment.parties`` names them: a moment is the
    principal's when one of its parties is here (what ``is_party`` decides, one moment at a
    time), so a live stream follows these."""
    found = {(str(principal.kind), principal.id)}
    found |= {("business", business) for business in principal.businesses}
    found |= {("circle", circle) for circle in principal.admin_of}
    return frozenset(found)


class MomentPolicy:
    name = "moment"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Moment) -> bool:
        return is_party(principal, entity)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Moment) -> bool:
        return self.visible(uow, principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        filters: list[Filter] = [
            {"recipient_kind": "business", "recipient_id": sorted(principal.businesses)}
        ]
        if principal.is_member:
            filters.append({"recipient_kind": "member", "recipient_id": principal.id})
            filters.append({"subject_member_id": principal.id})
        elif principal.kind.value == "thing":
            filters.append({"recipient_kind": "thing", "recipient_id": principal.id})
        return filters


POLICY = MomentPolicy()
_RECIPIENT_ONLY = {MomentStatus.ACCEPTED, MomentStatus.DECLINED}


def transition(
    services: Services, principal: Principal, ident: str, status: MomentStatus
) -> Moment:
    with services.uow() as uow:
        moment = resources.fetch_for_change(uow, principal, Moment, POLICY, ident)
        if status in _RECIPIENT_ONLY and not _is_recipient(principal, moment):
            raise PermissionDenied(f"only the recipient can mark a moment {status}")
        if status is MomentStatus.EXPIRED:
            raise PermissionDenied("moments expire by themselves")
        moment.move_to(status, services.clock.now())
        enqueue_webhooks(uow, moment, "moment.changed")
        services.commit(uow, MomentChanged(moment))
    return moment


def expire_due(services: Services, now: datetime) -> int:
    """Mark delivered moments past their ``expires_at`` expired; returns how many."""
    expired = []
    with services.uow() as uow:
        for moment in uow.repo(Moment).find(status=MomentStatus.DELIVERED):
            if moment.expires_at is not None and moment.expires_at <= now:
                moment.move_to(MomentStatus.EXPIRED, now)
                enqueue_webhooks(uow, moment, "moment.changed")
                expired.append(moment)
        services.commit(uow, *(MomentChanged(moment) for moment in expired))
    return len(expired)
