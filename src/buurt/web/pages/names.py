"""The words pages show for the domain's values: kinds of things, visibilities, purposes,
statuses, data categories. One table each, translated, so no page shows ``ev_charger``.
"""

from __future__ import annotations

from collections.abc import Mapping

from buurt.domain.taxonomy import name_of
from buurt.web.i18n import N_, _, ngettext


class Names(Mapping[str, str]):
    """A value's name in the current language (looked up when shown); unknown values read
    as themselves, with underscores as spaces."""

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names

    def __getitem__(self, value: str) -> str:
        found = self._names.get(value)
        return _(found) if found else value.replace("_", " ")

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


KINDS = Names(
    {
        "solar_inverter": N_("solar inverter"),
        "parking_sensor": N_("parking sensor"),
        "fridge": N_("fridge"),
        "cargo_bike": N_("cargo bike"),
        "air_quality": N_("air quality sensor"),
        "ev_charger": N_("EV charger"),
        "smart_meter": N_("smart meter"),
    }
)
# The kinds of business the demo and most circles have; a business may name any other kind,
# which then reads as itself ("bike_repair" would read "bike repair").
BUSINESS_KINDS = Names(
    {
        "bakery": N_("bakery"),
        "greengrocer": N_("greengrocer"),
        "bike_repair": N_("bike repair"),
        "3d_print_hub": N_("3D print hub"),
        "cafe": N_("café"),
        "pharmacy": N_("pharmacy"),
        "cheese_shop": N_("cheese shop"),
        "maker_space": N_("maker space"),
        "hardware_store": N_("hardware store"),
        "florist": N_("florist"),
        "grocery": N_("grocery"),
        "coffee_roaster": N_("coffee roaster"),
    }
)
VISIBILITIES = Names({"private": N_("private"), "circle": N_("circle"), "public": N_("public")})
PURPOSES = Names(
    {
        "matching": N_("matching"),
        "service_delivery": N_("service delivery"),
        "analytics": N_("analytics"),
        "administration": N_("running the circle"),
    }
)
CATEGORIES = Names(
    {
        "profile": N_("your profile"),
        "location": N_("your location"),
        "intents": N_("your needs"),
        "preferences": N_("your preferences"),
        "thing_data": N_("your thing's data"),
        "purchase_history": N_("your purchases"),
    }
)
MOMENT_STATUSES = Names(
    {
        "delivered": N_("new"),
        "accepted": N_("accepted"),
        "declined": N_("declined"),
        "expired": N_("expired"),
        "fulfilled": N_("fulfilled"),
        "cancelled": N_("cancelled"),
    }
)
NEED_STATUSES = Names(
    {
        "open": N_("open"),
        "fulfilled": N_("fulfilled"),
        "withdrawn": N_("withdrawn"),
        "expired": N_("expired"),
    }
)
OFFER_STATUSES = Names(
    {"active": N_("on offer"), "sold_out": N_("sold out"), "withdrawn": N_("withdrawn")}
)
ORDER_STATUSES = Names(
    {
        "placed": N_("placed"),
        "ready": N_("ready to collect"),
        "collected": N_("collected"),
        "cancelled": N_("cancelled"),
    }
)
RESERVATION_STATUSES = Names(
    {
        "held": N_("held"),
        "confirmed": N_("confirmed"),
        "expired": N_("expired"),
        "cancelled": N_("let go"),
    }
)
# What the button that takes an order to a status says.
ORDER_STEPS = Names(
    {"ready": N_("Ready"), "collected": N_("Collected"), "cancelled": N_("Cancel order")}
)
# The charter's rules, as a neighbour would say them.
RULES = Names(
    {
        "k": N_("smallest group a count may show"),
        "event_retention_days": N_("days things' readings are kept"),
        "intent_retention_days": N_("days needs are kept"),
        "aggregate_kinds": N_("what shops may count"),
        "quiet_from_hour": N_("quiet hours start"),
        "quiet_until_hour": N_("quiet hours end"),
        "quiet_hours": N_("quiet hours"),
        "quorum": N_("share of members who must vote"),
        "majority": N_("share of yes votes needed"),
        "voting_days": N_("days a vote is open"),
        "dp_epsilon": N_("noise on counts (epsilon)"),
        "dp_budget": N_("privacy budget per shop"),
        "admission_routes": N_("how new neighbours are verified"),
        "vouches_needed": N_("vouches a newcomer needs"),
        "code_valid_days": N_("days an admission code is valid"),
    }
)
PROPOSAL_STATUSES = Names({"open": N_("open"), "passed": N_("passed"), "rejected": N_("rejected")})
SORTS = Names(
    {"recent": N_("Trending"), "newest": N_("Newest"), "most_supported": N_("Most supported")}
)
PROPOSAL_STATES = Names(
    {"open": N_("open"), "campaign": N_("campaign running"), "closed": N_("closed")}
)
CAMPAIGN_STATUSES = Names(
    {
        "open": N_("open for pledges"),
        "succeeded": N_("going ahead"),
        "failed": N_("not enough pledges"),
    }
)
PLEDGE_STATUSES = Names(
    {"pledged": N_("pledged"), "ordered": N_("ordered"), "released": N_("released")}
)
THRESHOLDS = Names({"pledges": N_("pledges"), "units": N_("units")})
ROLES = Names({"member": N_("member"), "admin": N_("admin")})
TARGETS = Names({"proposal": N_("proposal"), "comment": N_("comment"), "review": N_("review")})
AGGREGATE_KINDS = Names({"intents": N_("needs"), "moments": N_("moments")})
ADMISSION_ROUTES = Names(
    {
        "invite": N_("an admin's invite"),
        "letter": N_("a letter to the address"),
        "in_person": N_("a code handed out in person"),
        "vouching": N_("neighbours vouching"),
    }
)
VOTE_CHOICES = Names({"yes": N_("Yes"), "no": N_("No"), "abstain": N_("Abstain")})

BOOKING_STATUSES = Names({"booked": N_("booked"), "cancelled": N_("cancelled")})
DELIVERY_STATUSES = Names(
    {
        "pending": N_("waiting"),
        "delivered": N_("delivered"),
        "failed": N_("failed"),
    }
)


def duration_name(minutes: int) -> str:
    """A length of time as people say it: "45 minutes", "2 hours", "1 day"."""
    if minutes % 1440 == 0:
        return ngettext("%(num)s day", "%(num)s days", minutes // 1440, num=minutes // 1440)
    if minutes % 60 == 0:
        return ngettext("%(num)s hour", "%(num)s hours", minutes // 60, num=minutes // 60)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes, num=minutes)


def day_minute(minutes: int) -> str:
    """Minutes after local midnight as a clock shows them (1440 is "24:00")."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def context() -> dict[str, object]:
    """The tables every template may use."""
    return {
        "kind_names": KINDS,
        "business_kind_names": BUSINESS_KINDS,
        "visibility_names": VISIBILITIES,
        "purpose_names": PURPOSES,
        "category_names": CATEGORIES,
        "moment_status_names": MOMENT_STATUSES,
        "need_status_names": NEED_STATUSES,
        "offer_status_names": OFFER_STATUSES,
        "order_status_names": ORDER_STATUSES,
        "order_step_names": ORDER_STEPS,
        "reservation_status_names": RESERVATION_STATUSES,
        "rule_names": RULES,
        "proposal_status_names": PROPOSAL_STATUSES,
        "vote_names": VOTE_CHOICES,
        "aggregate_names": AGGREGATE_KINDS,
        "choice_names": {"aggregate_kinds": AGGREGATE_KINDS, "admission_routes": ADMISSION_ROUTES},
        "role_names": ROLES,
        "target_names": TARGETS,
        "sort_names": SORTS,
        "proposal_state_names": PROPOSAL_STATES,
        "campaign_status_names": CAMPAIGN_STATUSES,
        "pledge_status_names": PLEDGE_STATUSES,
        "threshold_names": THRESHOLDS,
        "booking_status_names": BOOKING_STATUSES,
        "delivery_status_names": DELIVERY_STATUSES,
    }


def category_name(path: str) -> str:
    """A category as words in the page's language: ``food/bread`` reads "bread"."""
    return _(name_of(path))
