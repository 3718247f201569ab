"""A reproducible city: subscriptions and events with hot spots and skewed categories.

The city is about 50 x 55 km. Places cluster around hot spots (a centre, neighbourhood
high streets) over a thinner background; circles are 200 m - 2 km (log-uniform); 50 categories,
some nested, with Zipf-like popularity; 1-3 categories per subscription; a price limit on many
subscriptions and opening-hour windows on some; about 10% of members give no consent.
Everything is held as numpy columns so peers can load the same data without the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from buurt.engine import CircleArea, Predicate, Publication, Standing, WeeklyHours
from buurt.engine.model import category_ancestors

TIMEZONE = "Europe/Amsterdam"
CENTRE = (52.37, 4.90)
HEIGHT_KM, WIDTH_KM = 50.0, 55.0
KM_PER_DEG_LAT = 111.195
START = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday

_ROOTS = {
    "food": ["bread", "cheese", "vegetables", "fish", "meat", "coffee", "pastry"],
    "energy": ["solar", "battery", "heat"],
    "mobility": ["parking", "cargo-bike", "car-share", "charging"],
    "repair": ["bike", "phone", "clothes"],
    "care": ["babysitting", "elderly", "pets"],
    "goods": ["books", "toys", "tools", "furniture", "plants"],
    "services": ["cleaning", "tutoring", "printing"],
}
_FLAT = ["sports", "music", "market", "workshop", "flea-market", "volunteering", "events",
         "garden", "laundry", "tickets", "art", "health"]  # fmt: skip


def _weekly(days: range, hours: range) -> frozenset[int]:
    return frozenset(d * 24 + h for d in days for h in hours)


_PATTERN_HOURS: tuple[frozenset[int], ...] = (
    _weekly(range(5), range(7, 19)),  # weekdays, daytime
    _weekly(range(7), range(17, 23)),  # evenings
    _weekly(range(5, 7), range(24)),  # weekends
    _weekly(range(7), range(6, 12)),  # mornings
    _weekly(range(6), range(9, 18)),  # shop hours
    _weekly(range(7), range(7, 22)),  # waking hours
)
PATTERNS = tuple(WeeklyHours(hours) for hours in _PATTERN_HOURS)


def category_names() -> list[str]:
    names = list(_FLAT)
    for root, children in _ROOTS.items():
        names.append(root)
        names.extend(f"{root}/{child}" for child in children)
    return names


@dataclass(frozen=True)
class Workload:
    """Subscriptions (``sub_*``) and events (``ev_*``) as columns; keys are row numbers."""

    seed: int
    categories: list[str]
    sub_lat: npt.NDArray[np.float64]
    sub_lon: npt.NDArray[np.float64]
    sub_radius: npt.NDArray[np.float64]
    sub_cats: npt.NDArray[np.int32]  # (n, 3), -1 = unused
    sub_price: npt.NDArray[np.float64]  # inf = no price predicate
    sub_pattern: npt.NDArray[np.int32]  # index into PATTERNS, -1 = always
    sub_member: npt.NDArray[np.int64]
    consent: npt.NDArray[np.bool_]  # per member
    ev_lat: npt.NDArray[np.float64]
    ev_lon: npt.NDArray[np.float64]
    ev_cat: npt.NDArray[np.int32]
    ev_price: npt.NDArray[np.float64]
    ev_minute: npt.NDArray[np.int64]  # minutes after START

    @property
    def subscriptions(self) -> int:
        return int(self.sub_lat.shape[0])

    @property
    def events(self) -> int:
        return int(self.ev_lat.shape[0])

    def standing(self, i: int) -> Standing:
        cats = tuple(self.categories[c] for c in self.sub_cats[i].tolist() if c >= 0)
        price = float(self.sub_price[i])
        pattern = int(self.sub_pattern[i])
        return Standing(
            key=i,
            area=CircleArea(float(self.sub_lat[i]), float(self.sub_lon[i]),
                            float(self.sub_radius[i])),
            categories=cats,
            predicates=(Predicate("price", "<=", price),) if price != np.inf else (),
            weekly=PATTERNS[pattern] if pattern >= 0 else None,
        )  # fmt: skip

    def standings(self) -> Iterator[Standing]:
        return (self.standing(i) for i in range(self.subscriptions))

    def publication(self, j: int) -> Publication:
        return Publication(
            lat=float(self.ev_lat[j]),
            lon=float(self.ev_lon[j]),
            category=self.categories[int(self.ev_cat[j])],
            at=START + timedelta(minutes=int(self.ev_minute[j])),
            attributes={"price": float(self.ev_price[j])},
        )

    def ancestor_ids(self, category: int) -> list[int]:
        """Ids of a category and its ancestors (what a subscription may list to match it)."""
        index = {name: i for i, name in enumerate(self.categories)}
        return [index[a] for a in category_ancestors(self.categories[category]) if a in index]


def _places(
    rng: np.random.Generator, n: int, spots: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Points in km from the city's south-west corner, clustered on hot spots."""
    weights = spots[:, 3] / spots[:, 3].sum()
    which = rng.choice(spots.shape[0] + 1, size=n, p=np.append(weights * 0.45, 0.55))
    background = which == spots.shape[0]
    which[background] = 0
    y = spots[which, 0] + rng.normal(0.0, 1.0, n) * spots[which, 2]
    x = spots[which, 1] + rng.normal(0.0, 1.0, n) * spots[which, 2]
    y[background] = rng.uniform(0, HEIGHT_KM, int(background.sum()))
    x[background] = rng.uniform(0, WIDTH_KM, int(background.sum()))
    return np.clip(y, 0, HEIGHT_KM), np.clip(x, 0, WIDTH_KM)


def _to_latlon(
    y: npt.NDArray[np.float64], x: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    south = CENTRE[0] - HEIGHT_KM / 2 / KM_PER_DEG_LAT
    km_per_deg_lon = KM_PER_DEG_LAT * np.cos(np.radians(CENTRE[0]))
    west = CENTRE[1] - WIDTH_KM / 2 / km_per_deg_lon
    return south + y / KM_PER_DEG_LAT, west + x / km_per_deg_lon


def generate(subscriptions: int, events: int, seed: int = 42) -> Workload:
    """The same seed gives the same city, subscriptions and events, on any machine."""
    rng = np.random.default_rng(seed)
    categories = category_names()
    n_cats = len(categories)
    popularity = 1.0 / np.arange(1, n_cats + 1) ** 0.5
    popularity = popularity[rng.permutation(n_cats)]
    popularity /= popularity.sum()
    spots = np.column_stack([
        rng.uniform(5, HEIGHT_KM - 5, 24), rng.uniform(5, WIDTH_KM - 5, 24),
        rng.uniform(2.0, 6.0, 24), rng.pareto(1.2, 24) + 1.0,
    ])  # fmt: skip
    spots[0] = (HEIGHT_KM / 2, WIDTH_KM / 2, 3.0, spots[:, 3].max())

    y, x = _places(rng, subscriptions, spots)
    sub_lat, sub_lon = _to_latlon(y, x)
    radius = np.exp(rng.uniform(np.log(200.0), np.log(2000.0), subscriptions))
    count = rng.choice([1, 2, 3], size=subscriptions, p=[0.45, 0.35, 0.20])
    cats = np.full((subscriptions, 3), -1, dtype=np.int32)
    draws = rng.choice(n_cats, size=(subscriptions, 3), p=popularity)
    for j in range(3):
        cats[count > j, j] = draws[count > j, j]
    price = np.where(rng.random(subscriptions) < 0.7,
                     np.round(rng.uniform(5, 60, subscriptions)), np.inf)  # fmt: skip
    pattern = np.where(rng.random(subscriptions) < 0.5,
                       rng.integers(0, len(PATTERNS), subscriptions), -1)  # fmt: skip
    pattern = pattern.astype(np.int32)
    members = max(1, subscriptions // 2)
    member = rng.integers(0, members, subscriptions).astype(np.int64)
    consent = rng.random(members) >= 0.10

    ey, ex = _places(rng, events, spots)
    ev_lat, ev_lon = _to_latlon(ey, ex)
    ev_cat = rng.choice(n_cats, size=events, p=popularity).astype(np.int32)
    ev_price = np.round(np.exp(rng.uniform(0.0, np.log(200.0), events)), 2).astype(np.float64)
    ev_minute = np.sort(rng.integers(0, 7 * 24 * 60, events)).astype(np.int64)
    return Workload(
        seed=seed, categories=categories, sub_lat=sub_lat, sub_lon=sub_lon, sub_radius=radius,
        sub_cats=cats, sub_price=price, sub_pattern=pattern, sub_member=member,
        consent=consent, ev_lat=ev_lat, ev_lon=ev_lon, ev_cat=ev_cat, ev_price=ev_price,
        ev_minute=ev_minute,
    )  # fmt: skip
