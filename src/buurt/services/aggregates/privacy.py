"""Differential privacy for aggregates: Laplace noise (OpenDP) and the per-business budget.

Each member's contribution to one answer is capped at ``CONTRIBUTION_CAP`` records, so adding
or removing one member changes the vector of bucket counts by at most that much (its L1
sensitivity). OpenDP's discrete Laplace mechanism on that vector, with scale
``cap / epsilon``, is epsilon-differentially private; OpenDP's own privacy map tells what one
answer costs, and that cost is what the budget is charged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import opendp.prelude as dp

from buurt.domain.aggregates import AggregateQuery, Record
from buurt.domain.errors import Conflict
from buurt.ports import UnitOfWork
from buurt.ports.store import Between

CONTRIBUTION_CAP = 4
BUDGET_PERIOD = timedelta(days=30)


def bounded(records: Sequence[Record]) -> list[Record]:
    """Each member's earliest ``CONTRIBUTION_CAP`` records; the rest are left out."""
    taken: dict[str, int] = defaultdict(int)
    kept: list[Record] = []
    for record in sorted(records, key=lambda r: (r.at, r.id)):
        if taken[record.member_id] < CONTRIBUTION_CAP:
            taken[record.member_id] += 1
            kept.append(record)
    return kept


def _mechanism(epsilon: float) -> dp.Measurement:
    # OpenDP gates mechanisms not yet vetted by its own review behind "contrib"; the discrete
    # Laplace is among them. Enabled here, at use, so importing Buurt changes nothing.
    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    return dp.m.make_laplace(*space, scale=CONTRIBUTION_CAP / epsilon)


def cost(epsilon: float) -> float:
    """What one noisy answer spends, by OpenDP's privacy map at the contribution cap."""
    return float(_mechanism(epsilon).map(CONTRIBUTION_CAP))  # type: ignore[no-untyped-call]


def noisy(counts: Sequence[int], epsilon: float) -> list[int]:
    """The counts with discrete Laplace noise; negative results are shown as 0 (this is
    post-processing, so it costs no privacy)."""
    if not counts:
        return []
    released = _mechanism(epsilon)([int(c) for c in counts])
    return [max(0, int(v)) for v in released]


def spent(uow: UnitOfWork, circle_id: str, business_id: str, now: datetime) -> float:
    """Epsilon this business spent in this circle over the last ``BUDGET_PERIOD``."""
    total = 0.0
    cursor = None
    where = {
        "circle_id": circle_id,
        "business_id": business_id,
        "asked_at": Between(now - BUDGET_PERIOD, None),
    }
    while True:
        page = uow.repo(AggregateQuery).page(where=where, after=cursor, limit=500)
        total += sum(q.epsilon for q in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return total


def charge(
    uow: UnitOfWork,
    circle_id: str,
    business_id: str,
    now: datetime,
    *,
    epsilon: float,
    budget: float,
) -> float:
    """The cost of one more answer, refused when it would overspend the budget."""
    price = cost(epsilon)
    used = spent(uow, circle_id, business_id, now)
    if used + price > budget + 1e-9:
        raise Conflict(
            f"this business's privacy budget in this circle is spent ({used:g} of {budget:g} "
            f"epsilon over the last {BUDGET_PERIOD.days} days; an answer costs {price:g})"
        )
    return price
