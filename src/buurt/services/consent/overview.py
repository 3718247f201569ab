"""What the consent page shows a member: their grants and their access log, with names."""

from __future__ import annotations

from dataclasses import dataclass

from buurt.domain.access import AccessEntry
from buurt.domain.community import Business, Membership, Thing
from buurt.domain.consent import ConsentGrant
from buurt.domain.errors import PermissionDenied
from buurt.domain.parties import PartyKind
from buurt.services.community.names import names
from buurt.services.context import Services
from buurt.services.principals import Principal

LOG_ROWS = 50


@dataclass(frozen=True)
class ConsentOverview:
    grants: list[ConsentGrant]  # newest first
    log: list[AccessEntry]  # the latest uses, newest first
    names: dict[str, str]  # recipient, principal and thing ids to names
    businesses: list[Business]  # of the member's circles: whom a grant can go to
    things: list[Thing]  # the member's own things (for a thing-data grant)
    grant_dates: dict[str, ConsentGrant]  # grant id -> grant, for "under the grant of"


def overview(services: Services, principal: Principal) -> ConsentOverview:
    if not principal.is_member:
        raise PermissionDenied("only members have consent grants")
    with services.uow() as uow:
        grants = sorted(
            uow.repo(ConsentGrant).find(member_id=principal.id), key=lambda g: g.id, reverse=True
        )
        page = uow.repo(AccessEntry).page(where={"member_id": principal.id}, limit=500)
        log = list(reversed(page.items))[:LOG_ROWS]
        while page.next_cursor is not None:  # the newest entries are on the last page
            page = uow.repo(AccessEntry).page(
                where={"member_id": principal.id}, after=page.next_cursor, limit=500
            )
            log = (list(reversed(page.items)) + log)[:LOG_ROWS]
        circles = [m.circle_id for m in uow.repo(Membership).find(member_id=principal.id)]
        businesses = sorted(
            (b for c in circles for b in uow.repo(Business).find(circle_id=c)),
            key=lambda b: b.name.lower(),
        )
        things = uow.repo(Thing).find(owner_kind=PartyKind.MEMBER, owner_id=principal.id)
        parties = [(g.recipient_kind.value, g.recipient_id) for g in grants]
        parties += [(e.principal_kind.value, e.principal_id) for e in log]
        parties += [(PartyKind.THING.value, g.thing_id) for g in grants if g.thing_id]
        return ConsentOverview(
            grants=grants,
            log=log,
            names=names(uow, parties),
            businesses=businesses,
            things=things,
            grant_dates={g.id: g for g in grants},
        )
