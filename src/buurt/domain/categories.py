"""The hierarchical category taxonomy: ``food`` is the parent of ``food/bread``."""

import re

from buurt.domain.errors import InvalidInput

_PATH = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}(/[a-z0-9][a-z0-9_-]{0,39}){0,4}$")


def check_category(path: str, field: str = "category") -> str:
    if not _PATH.match(path):
        raise InvalidInput(
            "a category is 1-5 lowercase segments separated by '/', such as 'food/bread'", field
        )
    return path


def ancestors(path: str) -> list[str]:
    """``food/bread/rye`` -> ``['food', 'food/bread', 'food/bread/rye']``."""
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def covers(parent: str, child: str) -> bool:
    return child == parent or child.startswith(parent + "/")
