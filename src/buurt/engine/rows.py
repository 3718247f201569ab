"""How a standing becomes posting rows: pruned categories, threshold columns, time columns.

Shared by ``MatchIndex.add`` (one standing) and ``bulk`` (many at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from buurt.engine.model import Standing, category_matches
from buurt.engine.postings import Column, Value
from buurt.engine.predicates import kind_of

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Beyond 2**53 a float64 cannot hold every integer, so such numbers take the exact slow path.
EXACT_LIMIT = 2**53
_TIGHTEST = {"<": min, "<=": min, ">": max, ">=": max}


def to_microseconds(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (moment - _EPOCH) // _MICROSECOND


def prune_categories(categories: Iterable[str]) -> list[str]:
    """Drop categories already implied by an ancestor in the same standing."""
    unique = sorted(set(categories))
    return [c for c in unique if not any(o != c and category_matches(o, c) for o in unique)]


def fast_thresholds(standing: Standing) -> dict[Column, Value] | None:
    """The numeric predicates as column thresholds, or ``None`` if one needs the slow path."""
    values: dict[Column, Value] = {}
    for predicate in standing.predicates:
        value = predicate.value
        if predicate.op in ("==", "!=") or kind_of(value) != "number":
            return None
        number = float(value)
        if number != value or abs(number) >= EXACT_LIMIT:
            return None
        column: Column = ("num", predicate.field, predicate.op)
        old = values.get(column)
        values[column] = number if old is None else _TIGHTEST[predicate.op](old, number)
    return values
