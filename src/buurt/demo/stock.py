"""What the demo's shops have in stock: a few items each, at each of their sites.

So that "In stock nearby", a shop's public page and a need's home-page card have something
true to show: bread at the bakery, tempeh at the toko, drill bits at the ironmonger. Some rows
are sold out and one arrives tomorrow, as in a real shop; the quantities are small, as in a
neighbourhood's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from buurt.domain.community import Business, Site
from buurt.services.commerce import stock
from buurt.services.context import Services
from buurt.services.principals import Principal


@dataclass(frozen=True)
class ItemSpec:
    business: str  # a business key of ``catalogue``
    name: str
    category: str
    price: float
    quantity: int
    tomorrow: bool = False  # arrives tomorrow: in stock, not yet to reserve


ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("bakery", "Desem bread, whole wheat", "food/bread", 4.95, 12),
    ItemSpec("bakery", "Rye bread", "food/bread", 4.25, 6),
    ItemSpec("bakery", "Croissant", "food/pastry", 1.60, 24),
    ItemSpec("bakery", "Appeltaart, whole", "food/pastry", 18.50, 0),
    ItemSpec("greengrocer", "Vine tomatoes, 500 g", "food/vegetables", 2.40, 30),
    ItemSpec("greengrocer", "Kale, bunch", "food/vegetables", 1.95, 14),
    ItemSpec("greengrocer", "Apples Elstar, 1 kg", "food/fruit", 2.80, 20),
    ItemSpec("cheese", "Old Gouda, 250 g", "food/cheese", 5.75, 16),
    ItemSpec("cheese", "Goat cheese with herbs, 200 g", "food/cheese", 6.20, 5),
    ItemSpec("coffee", "Espresso beans, 250 g", "food/coffee", 8.50, 18),
    ItemSpec("coffee", "Filter blend Ambon, 500 g", "food/coffee", 13.00, 10, tomorrow=True),
    ItemSpec("toko", "Fresh tempeh", "food/groceries", 2.95, 10),
    ItemSpec("toko", "Sambal oelek, jar", "food/groceries", 2.10, 25),
    ItemSpec("hardware", "Drill bits, masonry set", "home/tools", 12.95, 7),
    ItemSpec("hardware", "Wall plugs, 100", "home/tools", 4.50, 40),
    ItemSpec("bikes", "Inner tube 28 inch", "mobility/bike-repair", 6.50, 15),
    ItemSpec("pharmacy", "Sunscreen SPF 30", "health/pharmacy", 9.95, 8),
)


def seed_stock(
    services: Services,
    businesses: dict[str, Business],
    owner_of: Callable[[str], Principal],
    now: datetime,
) -> int:
    """Every item at each of its business's sites; how many stock rows were made."""
    made = 0
    sites: dict[str, list[Site]] = {}
    for spec in ITEMS:
        business = businesses.get(spec.business)
        if business is None:
            continue
        owner = owner_of(spec.business)
        if business.id not in sites:
            with services.uow() as uow:
                sites[business.id] = uow.repo(Site).find(business_id=business.id)
        item = stock.create_item(
            services, owner, business_id=business.id, name=spec.name, category=spec.category
        )
        for site in sites[business.id]:
            stock.add_stock(
                services,
                owner,
                item_id=item.id,
                site_id=site.id,
                quantity=spec.quantity,
                price=spec.price,
                available_from=now + timedelta(days=1) if spec.tomorrow else None,
            )
            made += 1
    return made
