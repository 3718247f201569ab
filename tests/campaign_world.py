"""A campaign past its deadline, made on a database through the use cases, with its pledgers:
for the tests of settlement by real processes (``buurt serve``, two instances at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from buurt.bootstrap import build
from buurt.domain.admission import AdmissionRoute
from buurt.domain.campaigns import ThresholdKind
from buurt.domain.places import Boundary, Place
from buurt.services.cocreation import campaigns, proposals
from buurt.services.community import admission, auth, businesses, circles, members
from buurt.services.context import Services
from buurt.services.principals import Principal
from tests.instances import settings_for
from tests.timeline import MovingClock

PASSWORD = "correct horse battery"
BOUNDARY = Boundary(
    polygon=(Place(52.355, 4.925), Place(52.370, 4.925), Place(52.370, 4.950), Place(52.355, 4.950))
)


@dataclass(frozen=True)
class DueCampaign:
    campaign_id: str
    pledgers: list[str]


def _member(services: Services, name: str) -> str:
    """A new member's secret; ``auth.authenticate`` makes it a principal as it is now."""
    email = f"{name}@example.org"
    members.register_member(services, name=name, email=email, password=PASSWORD, circle_id=None)
    _token, secret = auth.log_in(services, email, PASSWORD, "tests")
    return secret


def due_campaign(database_url: str, pledgers: int) -> DueCampaign:
    """A campaign whose deadline passed an hour ago, by the system's clock, with ``pledgers``
    pledges of 1 unit, enough to meet its threshold."""
    deadline = datetime.now(UTC) - timedelta(hours=1)
    clock = MovingClock(deadline - timedelta(days=7))
    instance = build(settings_for(database_url), clock=clock)
    try:
        services = instance.services
        owner_secret = _member(services, "owner")

        def owner() -> Principal:
            return auth.authenticate(services, owner_secret)

        circle = circles.create_circle(
            services, owner(), name="Oostpoort", boundary=BOUNDARY, timezone="Europe/Amsterdam"
        )
        bakery = businesses.create_business(
            services, owner(), circle_id=circle.id, name="Bakkerij", kind="bakery"
        )
        proposal = proposals.propose(
            services,
            owner(),
            circle_id=circle.id,
            title="Rye bread on Sundays",
            description="Sourdough rye, baked on Sunday mornings.",
            category="food/bread",
        )
        campaign = campaigns.start(
            services,
            owner(),
            proposal_id=proposal.id,
            business_id=bakery.id,
            unit_price=4.5,
            threshold_kind=ThresholdKind.PLEDGES,
            threshold=pledgers,
            deadline=deadline,
        ).campaign
        ids = []
        for n in range(pledgers):
            secret = _member(services, f"pledger{n}")
            # A verified neighbour, as only they pledge: an invite from the circle's founder.
            issued = admission.issue_code(services, owner(), circle.id, AdmissionRoute.INVITE)
            admission.request_admission(
                services, auth.authenticate(services, secret), circle.id, issued.secret
            )
            who = auth.authenticate(services, secret)
            campaigns.pledge(services, who, campaign.id, 1)
            ids.append(who.id)
        return DueCampaign(campaign.id, ids)
    finally:
        instance.close()
