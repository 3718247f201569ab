"""Candidate moments: for each standing record a publication found, who would receive the
moment, whose data it would carry, and why it matched.

- an event reaches the owner of each matching subscription. A member's own event, or a
  private thing's event, is that member's data (the pair's ``subject``, under the data
  category it needs consent for);
- an intent and an offer that match reach the offer's owner, carrying the intent's member's
  data (the consent step may send the moment to the member instead). One's own offer answers
  nothing;
- a new intent also finds stock and bookable things (``supply``), each reaching its owner
  the way an offer does;
- an update of a proposal (``following.Update``) reaches each member who follows the proposal
  or its category in the circle and is still a member of it, once however many ways they
  follow it; never whoever made the update.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.bookings import Bookable
from buurt.domain.community import Membership, Thing, Visibility
from buurt.domain.consent import DataCategory
from buurt.domain.following import Follow, Update, category_topic, proposal_topic
from buurt.domain.moments import Reason, StandingKind
from buurt.domain.parties import PartyKind
from buurt.domain.stock import Stock
from buurt.ports import UnitOfWork
from buurt.services.matching import standings
from buurt.services.matching.indexes import owner


@dataclass(frozen=True)
class Pair:
    """A candidate moment: a standing record, who would receive it, whose data it carries."""

    standing_kind: StandingKind
    standing: Subscription | Offer | Intent | Follow | Stock | Bookable
    key: int  # the standing's engine key when it was found
    recipient: tuple[str, str]
    subject: str | None
    reason: Reason
    consent: DataCategory | None
    thing_id: str | None = None
    grant_id: str | None = None  # the grant that lets the recipient use the subject's data


def event_pairs(uow: UnitOfWork, event: Event, found: list[tuple[int, Subscription]]) -> list[Pair]:
    """One pair per subscription the event matched."""
    if not found:
        return []
    subject, category, thing_id = None, None, None
    if event.source_kind is PartyKind.MEMBER:
        subject, category = event.source_id, DataCategory.LOCATION
    elif event.source_kind is PartyKind.THING:
        thing = uow.repo(Thing).get(event.source_id)
        if _is_personal(thing):
            assert thing is not None
            subject, category, thing_id = thing.owner_id, DataCategory.THING_DATA, thing.id
    pairs = []
    for key, subscription in found:
        pairs.append(
            Pair(
                StandingKind.SUBSCRIPTION,
                subscription,
                key,
                owner(subscription),
                subject,
                standings.explain_subscription(subscription, event),
                category,
                thing_id,
            )
        )
    return pairs


def need_pairs(record: Intent | Offer, found: list[tuple[int, Offer | Intent]]) -> list[Pair]:
    """One pair per offer a new intent matched, or per open intent a new offer matched."""
    pairs = []
    standing_kind = StandingKind.OFFER if isinstance(record, Intent) else StandingKind.INTENT
    for key, other in found:
        intent, offer = (record, other) if isinstance(record, Intent) else (other, record)
        assert isinstance(intent, Intent)
        assert isinstance(offer, Offer)
        recipient = owner(offer)
        if recipient == owner(intent):
            continue  # one's own offer answers nothing
        reason = standings.explain_offer_intent(offer, intent)
        pairs.append(Pair(standing_kind, other, key, recipient, intent.member_id, reason, None))
    return pairs


def _is_personal(thing: Thing | None) -> bool:
    """A member's private thing: its data is the member's (shared ones are shared by choice)."""
    return (
        thing is not None
        and thing.visibility is Visibility.PRIVATE
        and thing.owner_kind.value == "member"
    )


def _covering(category: str) -> list[str]:
    """The category and every category above it: ``food/bread`` is under ``food``."""
    parts = category.split("/")
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def follow_pairs(uow: UnitOfWork, update: Update) -> list[Pair]:
    """One pair per member who follows the updated proposal or a category covering it."""
    topics = [proposal_topic(update.proposal_id)] + [
        category_topic(update.circle_id, c) for c in _covering(update.category)
    ]
    follows: dict[str, Follow] = {}
    for topic in topics:  # the proposal's own follow first: it names the moment's standing
        for follow in uow.repo(Follow).find(circle_id=update.circle_id, topic=topic):
            follows.setdefault(follow.member_id, follow)
    pairs = []
    for member_id, follow in sorted(follows.items()):
        if update.by == ("member", member_id) or member_id in update.told:
            continue
        if not uow.repo(Membership).find(circle_id=update.circle_id, member_id=member_id):
            continue  # left the circle: its proposals are no longer theirs to see
        pairs.append(
            Pair(
                standing_kind=StandingKind.FOLLOW,
                standing=follow,
                key=0,  # each follower's pair is its own publication to the gate
                recipient=("member", member_id),
                subject=None,  # the update is the circle's, no member's data
                reason=update.reason,
                consent=None,
            )
        )
    return pairs
