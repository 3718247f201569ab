"""What a member's home page shows: their latest moments, their open needs, and what the shops
of their circles offer now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from buurt.domain.activity import Intent, IntentStatus, Offer, OfferStatus
from buurt.domain.community import Circle
from buurt.domain.ids import cursor_at
from buurt.domain.moments import Moment
from buurt.services import resources
from buurt.services.community.names import names
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import moments as moment_rules

MOMENTS = 20
RECENT = timedelta(days=30)
OFFERS = 12


@dataclass(frozen=True)
class Home:
    circles: list[Circle]
    moments: list[Moment]  # newest first
    needs: list[Intent]  # open, newest first
    offers: list[Offer]  # active and valid now, newest first
    names: dict[str, str]


def home(services: Services, principal: Principal) -> Home:
    now = services.clock.now()
    moments: list[Moment] = []
    after: str | None = cursor_at("moment", now - RECENT)  # ids are time-ordered
    while after is not None:
        page = resources.list_page(
            services, principal, Moment, moment_rules.POLICY, after=after, limit=500
        )
        moments = (moments + [m for m in page.items if _personal(principal, m)])[-MOMENTS:]
        after = page.next_cursor
    moments.reverse()
    with services.uow() as uow:
        circles = sorted(
            (c for c in (uow.repo(Circle).get(i) for i in principal.circles) if c),
            key=lambda c: c.name,
        )
        needs = sorted(
            uow.repo(Intent).find(member_id=principal.id, status=IntentStatus.OPEN),
            key=lambda i: i.id,
            reverse=True,
        )
        offers = [
            o
            for c in circles
            for o in uow.repo(Offer).find(circle_id=c.id, status=OfferStatus.ACTIVE)
            if not o.is_over(now)
        ]
        offers = sorted(offers, key=lambda o: o.id, reverse=True)[:OFFERS]
        parties = [(m.recipient_kind.value, m.recipient_id) for m in moments]
        parties += [(o.owner_kind.value, o.owner_id) for o in offers]
        return Home(circles, moments, needs, offers, names(uow, parties))


def _personal(principal: Principal, moment: Moment) -> bool:
    """Their own moments; those of the shops they own are on the shop's dashboard."""
    return moment.recipient_kind == "member" or moment.subject_member_id == principal.id


def timezone_of(services: Services, circle_id: str) -> str:
    with services.uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
        return circle.timezone if circle else "UTC"
