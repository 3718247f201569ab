"""What the neighbourhood wants and supplies: intents, offers, subscriptions, consent grants.

As in ``catalogue``, owners are *who* keys (``"demo"``, ``"n7"``, ``"bakery"``). Times are
local to the circle and relative to the moment of seeding: a ``When`` is a day (``"today"``
while an hour of the window is still ahead, else tomorrow; ``"tomorrow"``; a weekday such as
``"saturday"``, the next one after today; ``"week"``, the next seven days) with a start and
end hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from buurt.domain.consent import DataCategory

When = tuple[str, float, float]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class IntentSpec:
    who: str
    category: str
    text: str
    radius_m: float
    when: When | None = None
    max_price: float | None = None
    grants: tuple[str, ...] = ()  # businesses the member lets match this need (intents)


@dataclass(frozen=True)
class OfferSpec:
    who: str  # a business key, or a member for a neighbour's offer
    category: str
    title: str
    description: str = ""
    price: float | None = None
    quantity: int | None = None
    when: When | None = None


@dataclass(frozen=True)
class SubscriptionSpec:
    who: str
    name: str
    categories: tuple[str, ...]
    predicates: tuple[str, ...] = ()
    radius_m: float | None = None  # around the owner's home or first site; None: the circle


@dataclass(frozen=True)
class GrantSpec:
    who: str
    business: str
    category: DataCategory
    days: int | None = None  # the grant expires after this many days


INTENTS: tuple[IntentSpec, ...] = (
    IntentSpec("demo", "food/bread", "Fresh sourdough before 9:00", 800, ("tomorrow", 7, 9),
               6.0, ("bakery",)),
    IntentSpec("demo", "mobility/cargo-bike", "Cargo bike Saturday morning for the market run",
               600, ("saturday", 9, 12)),
    IntentSpec("demo", "making/3d-print", "Replacement knob for my washing machine (AEG)",
               1500, ("week", 0, 0), 15.0, ("printhub",)),
    IntentSpec("n20", "mobility/bike-repair", "Flat tyre fixed today, before 18:00", 1000,
               ("today", 9, 18), 20.0, ("bikes",)),
    IntentSpec("n21", "food/vegetables", "Organic vegetable box for the weekend", 1200,
               ("friday", 12, 19), 20.0, ("greengrocer",)),
    IntentSpec("n22", "food/cheese", "Aged Gouda for a birthday party, about a kilo", 1500,
               ("saturday", 9, 13), 30.0, ("cheese",)),
    IntentSpec("n23", "health/pharmacy", "Pick up a prescription after work", 800,
               ("tomorrow", 17.5, 19), None, ("pharmacy",)),
    IntentSpec("n24", "home/tools", "Borrow a drill for an hour", 500, ("tomorrow", 10, 16),
               5.0, ("hardware",)),
    IntentSpec("n25", "flowers", "Bouquet for my mother on Sunday", 1500, ("sunday", 9, 12),
               30.0, ("florist",)),
    IntentSpec("n26", "food/coffee", "Freshly roasted espresso beans, whole", 1500,
               ("week", 0, 0), 12.0),
    IntentSpec("n27", "help/moving", "Two extra hands to carry a sofa up to the third floor",
               400, ("saturday", 14, 16)),
    IntentSpec("n28", "food/bread", "Gluten-free bread for tomorrow's breakfast", 1000,
               ("tomorrow", 7, 10), 7.5, ("bakery",)),
)  # fmt: skip

OFFERS: tuple[OfferSpec, ...] = (
    OfferSpec("bakery", "food/bread", "Sourdough loaf, fresh from 7:00",
              "Wheat and spelt sourdough, 800 g.", 4.95, 30, ("tomorrow", 7, 13)),
    OfferSpec("bakery", "food/pastry", "Croissants, warm from the oven", "Butter croissants.",
              1.60, 60, ("tomorrow", 7, 11)),
    OfferSpec("greengrocer", "food/vegetables", "Seasonal vegetable box (organic)",
              "Kale, carrots, beetroot, onions and a surprise; about 5 kg.", 14.50, 20,
              ("friday", 10, 19)),
    OfferSpec("greengrocer", "food/fruit", "Surplus apples (Elstar), half price per kilo",
              "Slightly bruised, perfect for apple pie.", 1.25, 40, ("today", 9, 18)),
    OfferSpec("bikes", "mobility/bike-repair", "Repair slot, 30 minutes",
              "Brakes, gears, lights; parts extra.", 25.00, 6, ("tomorrow", 9, 17)),
    OfferSpec("bikes", "mobility/bike-repair", "Flat tyre fixed while you wait",
              "Inner tube included.", 12.50, 10, ("week", 0, 0)),
    OfferSpec("printhub", "making/3d-print", "3D-printed spare parts to order",
              "Send a photo or a model; PLA, PETG or TPU, ready the same day.", 8.00, None,
              ("week", 0, 0)),
    OfferSpec("printhub", "making/3d-print", "Washing-machine and dishwasher knobs in 2 hours",
              "Common AEG, Bosch and Miele knobs in stock as models.", 6.50, 25),
    OfferSpec("cafe", "food/coffee", "Coffee and apple pie", "With whipped cream.", 5.75),
    OfferSpec("pharmacy", "health/pharmacy", "Flu jab, walk-in slots",
              "For everyone 60+ or with a referral.", None, 40, ("week", 0, 0)),
    OfferSpec("cheese", "food/cheese", "Oude Gouda, 500 g", "Aged 18 months, farmhouse.",
              11.95, 25),
    OfferSpec("makers", "making/workshop", "Repair café: bring what is broken",
              "Volunteers fix lamps, toasters, clothes and bikes.", 0.0, 15,
              ("thursday", 19, 22)),
    OfferSpec("hardware", "home/tools", "Rent a drill for a day", "Cordless, two batteries.",
              7.50, 4, ("week", 0, 0)),
    OfferSpec("florist", "flowers", "Bouquet of the day", "Seasonal, wrapped in paper.",
              19.50, 12, ("today", 9, 18)),
    OfferSpec("toko", "food/groceries", "Fresh tempeh, made in Amsterdam", "250 g block.",
              3.50, 30),
    OfferSpec("coffee", "food/coffee", "Freshly roasted beans, 250 g",
              "This week: Sumatra Mandheling.", 8.90, 50, ("week", 0, 0)),
    OfferSpec("n30", "food/vegetables", "Surplus courgettes from my allotment",
              "Free, come and ring the bell.", 0.0, 6, ("week", 0, 0)),
    OfferSpec("n31", "home/tools", "Lending my ladder (3 m)", "Happy to help neighbours."),
)  # fmt: skip

SUBSCRIPTIONS: tuple[SubscriptionSpec, ...] = (
    SubscriptionSpec("demo", "Solar surplus above 2000 W nearby", ("energy/solar",),
                     ("power_w > 2000",), 600),
    SubscriptionSpec("demo", "Free parking near home", ("mobility/parking",),
                     ("occupied == false",), 250),
    SubscriptionSpec("demo", "A charged cargo bike is free", ("mobility/cargo-bike",),
                     ("available == true", "battery_pct >= 50"), 800),
    SubscriptionSpec("n12", "Solar surplus above 2000 W nearby", ("energy/solar",),
                     ("power_w > 2000",), 800),
    SubscriptionSpec("n32", "Free parking near home", ("mobility/parking",),
                     ("occupied == false",), 300),
    SubscriptionSpec("n33", "Vegetables in the community fridge", ("food/community-fridge",),
                     ('item == "vegetables"', 'action == "added"'), 1000),
    SubscriptionSpec("n34", "Bad air: PM2.5 above 25", ("environment/air-quality",),
                     ("pm25 > 25",), 1500),
    SubscriptionSpec("n35", "A charger is free", ("energy/ev-charging",),
                     ("charging == false",), 1000),
    SubscriptionSpec("bakery", "Bread and pastry wanted", ("food/bread", "food/pastry")),
    SubscriptionSpec("greengrocer", "Vegetables and fruit wanted",
                     ("food/vegetables", "food/fruit")),
    SubscriptionSpec("bikes", "Bikes to repair", ("mobility/bike-repair", "mobility/cargo-bike")),
    SubscriptionSpec("printhub", "Parts to print", ("making/3d-print",)),
    SubscriptionSpec("hardware", "Tools wanted", ("home/tools",)),
    SubscriptionSpec("cheese", "Cheese wanted", ("food/cheese",)),
    SubscriptionSpec("florist", "Flowers wanted", ("flowers",)),
    SubscriptionSpec("cafe", "Surplus to share", ("food/community-fridge",),
                     ("level < 20",), 300),
)  # fmt: skip

# Besides the intents grants above: members who let a shop know where they are, for matching.
LOCATION_GRANTS: tuple[GrantSpec, ...] = (
    GrantSpec("demo", "bakery", DataCategory.LOCATION, 90),
    GrantSpec("demo", "bikes", DataCategory.LOCATION, 30),
    GrantSpec("n21", "greengrocer", DataCategory.LOCATION),
    GrantSpec("n25", "florist", DataCategory.LOCATION, 14),
)


def resolve(when: When, now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The window ``when`` stands for, seen from ``now``, as UTC instants."""
    day, start, end = when
    today = now.astimezone(zone).date()
    if day == "week":
        return now, now + timedelta(days=7)
    if day == "today":
        still_open = _at(today, end, zone) - now >= timedelta(hours=1)
        first = today if still_open else today + timedelta(days=1)
    elif day == "tomorrow":
        first = today + timedelta(days=1)
    else:
        ahead = (WEEKDAYS.index(day) - today.weekday() - 1) % 7 + 1
        first = today + timedelta(days=ahead)
    opens = max(now, _at(first, start, zone))
    return opens, _at(first, end, zone)


def _at(day: date, hour: float, zone: tzinfo) -> datetime:
    minutes = round(hour * 60)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)
