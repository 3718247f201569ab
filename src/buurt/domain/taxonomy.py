"""The categories people pick from: a small curated tree of what a neighbourhood asks for.

Categories are paths (``food/bread``, see ``categories``) and any valid path may be used; this
tree is what pickers offer first, so that needs, offers and subscriptions meet on the same
words. Each entry is ``path: English name`` (the pages translate the names).
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - gettext's name: marks a name for translation
    """Marks an English name for the pages' catalogs; the pages translate it when shown."""
    return message


TAXONOMY: dict[str, dict[str, str]] = {
    "food": {
        "food/bread": N_("bread"),
        "food/pastry": N_("pastry"),
        "food/vegetables": N_("vegetables"),
        "food/fruit": N_("fruit"),
        "food/cheese": N_("cheese"),
        "food/coffee": N_("coffee"),
        "food/groceries": N_("groceries"),
        "food/community-fridge": N_("community fridge"),
    },
    "mobility": {
        "mobility/cargo-bike": N_("a cargo bike"),
        "mobility/bike-repair": N_("bike repair"),
        "mobility/parking": N_("a parking place"),
    },
    "energy": {
        "energy/solar": N_("solar power"),
        "energy/ev-charging": N_("charging a car"),
        "energy/meter": N_("energy use"),
    },
    "home": {
        "home/tools": N_("tools"),
        "home/repair": N_("a repair at home"),
    },
    "help": {
        "help/moving": N_("help with moving"),
        "help/shopping": N_("help with shopping"),
        "help/childcare": N_("childcare"),
    },
    "health": {"health/pharmacy": N_("the pharmacy")},
    "making": {"making/workshop": N_("a workshop"), "making/3d-print": N_("3D printing")},
    "environment": {"environment/air-quality": N_("air quality")},
}
GROUPS: dict[str, str] = {
    "food": N_("food"),
    "mobility": N_("getting around"),
    "energy": N_("energy"),
    "home": N_("home"),
    "help": N_("help"),
    "health": N_("health"),
    "making": N_("making"),
    "environment": N_("environment"),
}


def name_of(path: str) -> str:
    """The English name of a category of the tree, or the path's last part as words."""
    group = TAXONOMY.get(path.split("/")[0], {})
    return group.get(path) or GROUPS.get(path) or path.rsplit("/", 1)[-1].replace("-", " ")
