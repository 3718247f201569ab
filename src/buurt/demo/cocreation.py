"""What the demo neighbourhood wants made: proposals with their support and discussion, one
running campaign with pledges, and verified reviews of orders neighbours collected.

As in ``catalogue``, people and businesses are *who* keys. Everything is made through the
use cases, so support and pledges come from verified neighbours, and a review only from a
neighbour who collected an order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from buurt.domain.campaigns import ThresholdKind
from buurt.domain.community import Business, Member
from buurt.domain.orders import OrderSource, OrderStatus
from buurt.domain.parties import PartyKind
from buurt.domain.reviews import FulfilmentKind
from buurt.services.cocreation import campaigns, discussion, following, proposals, reviews
from buurt.services.commerce import orders
from buurt.services.community import auth
from buurt.services.context import Services
from buurt.services.principals import Principal


@dataclass(frozen=True)
class ProposalSpec:
    who: str  # a member, or a business key for a business's own proposal
    title: str
    description: str
    category: str
    price_idea: float | None
    supporters: tuple[str, ...]
    comments: tuple[tuple[str, str], ...] = ()  # (who, text); ">" before a text replies


@dataclass(frozen=True)
class ReviewSpec:
    who: str
    business: str
    item: str
    price: float
    rating: int
    text: str
    answer: str | None = None


PROPOSALS: tuple[ProposalSpec, ...] = (
    ProposalSpec("n14", "Rye bread on Sundays",
                 "Dark sourdough rye like the Frisian roggebrood, baked on Sunday mornings so "
                 "we have it fresh for the week.", "food/bread", 4.5,
                 ("n15", "n16", "n17", "n18", "n19", "n20", "n21", "n22", "n30", "n31"),
                 (("n16", "Caraway seeds, please, like my oma made it."),
                  ("n14", "> Half with, half without?"),
                  ("bakery", "We could bake 30 on Sundays if enough of you pledge."))),
    ProposalSpec("n23", "A shared cargo bike on the Javaplein",
                 "One electric cargo bike the whole street can book by the hour, parked at "
                 "the square, for the market run and moving house.", "mobility/cargo-bike",
                 None, ("n24", "n25", "n26", "n27", "n28", "n32"),
                 (("n26", "Fietsmaker Sumatra could service it."),
                  ("bikes", "> Happy to, and we have a charging spot."))),
    ProposalSpec("n29", "Monthly repair café on Saturdays too",
                 "Thursday evenings are hard with small children; one Saturday morning a "
                 "month at De Meevaart would help many of us.", "making/workshop", 0.0,
                 ("n33", "n34", "n35", "demo")),
    ProposalSpec("greengrocer", "Soup vegetables from the Friday surplus",
                 "What is left of the organic boxes on Friday, cut and bagged as soup "
                 "vegetables for Saturday, at half price.", "food/vegetables", 3.0,
                 ("n36", "n37", "n38"),
                 (("n37", "Would buy every week."),)),
    ProposalSpec("n39", "Nasi and saté evening at the toko",
                 "A long table outside Toko Sumatra one summer evening; everyone pays a "
                 "little and the toko cooks.", "food/groceries", 12.5,
                 ("n40", "n41", "n42", "n43", "n44"),
                 (("n41", "I can bring chairs from the community centre."),)),
    ProposalSpec("n45", "Pick-up lockers for the hardware store",
                 "Order screws and paint online and collect them after work from a locker, "
                 "like at the pharmacy.", "home/tools", None, ("n46",)),
)  # fmt: skip

CAMPAIGN_OF = "Rye bread on Sundays"  # the proposal the bakery runs a campaign on
CAMPAIGN_BUSINESS = "bakery"
CAMPAIGN_DAYS = 10
CAMPAIGN_PRICE = 4.75
CAMPAIGN_THRESHOLD = 20  # loaves
CAMPAIGN_MAX = 60
PLEDGES: tuple[tuple[str, int], ...] = (
    ("n15", 2), ("n16", 1), ("n17", 3), ("n18", 1), ("n20", 2), ("n22", 1), ("demo", 1),
)  # fmt: skip

REVIEWS: tuple[ReviewSpec, ...] = (
    ReviewSpec("n20", "bakery", "Sourdough loaf", 4.95, 5,
               "Crust like it should be, and still good on day three.",
               "Thank you! See you on Saturday."),
    ReviewSpec("n24", "bikes", "Flat tyre fixed", 12.5, 4,
               "Fixed in twenty minutes while I had a coffee next door."),
    ReviewSpec("n27", "cheese", "Oude Gouda, 500 g", 11.95, 5,
               "Crunchy, salty, perfect. They let me taste three first.",
               "Glad you liked the 18 months!"),
    ReviewSpec("n33", "greengrocer", "Seasonal vegetable box", 14.5, 3,
               "Good vegetables, but the box was mostly kale this week."),
)  # fmt: skip
ISSUED_AS = "demo seeding"  # the label and lifetime of the businesses' seeding tokens
ISSUED_FOR = timedelta(minutes=30)
FOLLOWED_CATEGORY = "food"  # what the demo member follows, with the campaign's proposal


class _Parties:
    """Who acts: a member as themselves, a business key as the business (with a token its
    owner issues, as any client of a business has one)."""

    def __init__(
        self,
        services: Services,
        principal: Callable[[str], Principal],
        businesses: dict[str, Business],
        now: datetime,
    ) -> None:
        self.services, self.principal, self.businesses, self.now = (
            services,
            principal,
            businesses,
            now,
        )
        self.acting: dict[str, Principal] = {}

    def __call__(self, who: str) -> Principal:
        if who not in self.businesses:
            return self.principal(who)
        if who not in self.acting:
            _, secret = auth.issue_principal_token(
                self.services,
                self.principal(who),
                PartyKind.BUSINESS,
                self.businesses[who].id,
                ISSUED_AS,
                self.now + ISSUED_FOR,
            )
            self.acting[who] = auth.authenticate(self.services, secret)
        return self.acting[who]


@dataclass
class Seeded:
    proposals: int = 0
    pledges: int = 0
    reviews: int = 0


def seed_cocreation(
    services: Services,
    principal: Callable[[str], Principal],
    members: dict[str, Member],
    businesses: dict[str, Business],
    circle_id: str,
    now: datetime,
) -> Seeded:
    """Proposals, a running campaign with pledges, reviews; the demo member follows."""
    seeded = Seeded()
    made: dict[str, str] = {}
    party = _Parties(services, principal, businesses, now)
    for spec in PROPOSALS:
        proposal = proposals.propose(
            services,
            party(spec.who),
            circle_id=circle_id,
            title=spec.title,
            description=spec.description,
            category=spec.category,
            price_idea=spec.price_idea,
        )
        made[spec.title] = proposal.id
        seeded.proposals += 1
        for who in spec.supporters:
            discussion.support(services, principal(who), proposal.id)
        last: str | None = None
        for who, text in spec.comments:
            parent: str | None = last if text.startswith(">") else None
            said = discussion.comment(services, party(who), proposal.id, text.lstrip("> "), parent)
            last = parent or said.id
    campaign = campaigns.start(
        services,
        principal(CAMPAIGN_BUSINESS),
        proposal_id=made[CAMPAIGN_OF],
        business_id=businesses[CAMPAIGN_BUSINESS].id,
        unit_price=CAMPAIGN_PRICE,
        threshold_kind=ThresholdKind.UNITS,
        threshold=CAMPAIGN_THRESHOLD,
        max_units=CAMPAIGN_MAX,
        deadline=now + timedelta(days=CAMPAIGN_DAYS),
    ).campaign
    for who, quantity in PLEDGES:
        campaigns.pledge(services, principal(who), campaign.id, quantity)
        seeded.pledges += 1
    for n, review in enumerate(REVIEWS):
        _review(services, principal, members, businesses, review, f"demo_reservation_{n}", now)
        seeded.reviews += 1
    demo = principal("demo")
    following.follow(services, demo, proposal_id=made[CAMPAIGN_OF])
    following.follow(services, demo, circle_id=circle_id, category=FOLLOWED_CATEGORY)
    return seeded


def _review(
    services: Services,
    principal: Callable[[str], Principal],
    members: dict[str, Member],
    businesses: dict[str, Business],
    spec: ReviewSpec,
    source_id: str,
    now: datetime,
) -> None:
    """A reservation the neighbour collected last week, and their review of it."""
    shop = businesses[spec.business]
    with services.uow() as uow:
        order = orders.place_order(
            uow,
            business_id=shop.id,
            member_id=members[spec.who].id,
            source_kind=OrderSource.RESERVATION,
            source_id=source_id,
            title=spec.item,
            quantity=1,
            at=now - timedelta(days=6),
            unit_price=spec.price,
        )
        uow.commit()
    for status in (OrderStatus.READY, OrderStatus.COLLECTED):
        orders.transition(services, principal(spec.business), order.id, status)
    written = reviews.write(
        services,
        principal(spec.who),
        fulfilment_kind=FulfilmentKind.ORDER,
        fulfilment_id=order.id,
        rating=spec.rating,
        text=spec.text,
    )
    if spec.answer is not None:
        reviews.answer(services, principal(spec.business), written.id, spec.answer)
