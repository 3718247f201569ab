"""docs/architecture.md's table of domain events says what the code does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from buurt.bootstrap.handlers import handler_map
from buurt.domain.events import EVENT_TYPES

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"


class _Anything:
    """Stands in for every part the handler map is built from: it only needs their methods."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _documented() -> dict[str, str]:
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|$", ARCHITECTURE.read_text(), re.M)
    return {name: handlers.strip() for name, handlers in rows}


def test_every_event_is_in_the_table_and_nothing_else() -> None:
    names = {kind.__name__ for kind in EVENT_TYPES.values()}
    assert set(_documented()) == names


def test_the_table_says_which_events_have_handlers() -> None:
    anything: Any = _Anything()
    wired = handler_map(
        matcher=anything,
        consent_book=anything,
        broadcaster=anything,
        webhooks=anything,
        uow_factory=anything,
        clock=anything,
        stock_finder=anything,
        endpoint_owners=anything,
    )
    handled = {kind.__name__ for kind, handlers in wired.items() if handlers}
    unhandled = {name for name, text in _documented().items() if text.startswith("(none")}
    assert handled == set(_documented()) - unhandled
    assert handled, "the positive control: most events have handlers"
