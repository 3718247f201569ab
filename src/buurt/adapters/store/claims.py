"""Claims on webhook deliveries in the SQL store, decided by the database.

One statement claims: ``WITH free AS MATERIALIZED (the endpoint's due, unclaimed deliveries,
oldest first, LIMIT n) UPDATE webhook_deliveries SET claimed_until, claimed_by WHERE id IN
(SELECT id FROM free) RETURNING id``.

- On PostgreSQL the select is ``FOR UPDATE SKIP LOCKED``: two workers claiming at once each
  lock their own rows and pass over the other's, so neither waits and no row is claimed twice;
  a row claimed and committed meanwhile fails the re-checked condition.
- The select is a materialized CTE, not a subquery in ``IN (...)``, because PostgreSQL may plan
  that subquery on the inner side of a nested loop and run it once per outer row: each run
  skips the rows the statement has already updated and locks ``n`` more, so the statement
  claims more than ``n``. A CTE runs once.
- SQLite has one writer: the statement runs under the database's write lock, so its select and
  its update see the same rows and a second worker's claim runs after it, on what it left.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, Select, or_, select, update
from sqlalchemy.orm import sessionmaker

from buurt.adapters.store.mapping import map_domain
from buurt.adapters.store.tables_webhooks import webhook_deliveries
from buurt.domain.webhooks import DeliveryStatus, WebhookDelivery


def claimable(endpoint_id: str, now: datetime, limit: int) -> Select[tuple[str]]:
    """The ids of up to ``limit`` of the endpoint's due, unclaimed deliveries, oldest first,
    locked (PostgreSQL) and skipping those another worker has locked."""
    table = webhook_deliveries
    return (
        select(table.c.id)
        .where(
            table.c.endpoint_id == endpoint_id,
            table.c.status == DeliveryStatus.PENDING,
            table.c.next_attempt_at <= now,
            or_(table.c.claimed_until.is_(None), table.c.claimed_until <= now),
        )
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks to skip
    )


class SqlDeliveryClaims:
    """``DeliveryClaims`` on a SQLite or PostgreSQL store that any number of workers share."""

    def __init__(self, engine: Engine) -> None:
        map_domain()
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def claim(
        self, endpoint_id: str, worker: str, now: datetime, until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        if limit <= 0:
            return []
        table = webhook_deliveries
        chosen = claimable(endpoint_id, now, limit).cte("free").prefix_with("MATERIALIZED")
        claim = (
            update(table)
            .where(table.c.id.in_(select(chosen.c.id)))
            .values(claimed_until=until, claimed_by=worker)
            .returning(table.c.id)
        )
        with self._sessions() as session:
            ids = list(session.scalars(claim))
            session.commit()
            if not ids:
                return []
            found = session.scalars(
                select(WebhookDelivery)
                .where(table.c.id.in_(ids))
                .order_by(table.c.next_attempt_at, table.c.id)
            )
            return list(found)

    def release(self, worker: str, delivery_ids: list[str]) -> None:
        if not delivery_ids:
            return
        table = webhook_deliveries
        with self._sessions() as session:
            session.execute(
                update(table)
                .where(table.c.id.in_(delivery_ids), table.c.claimed_by == worker)
                .values(claimed_until=None, claimed_by=None)
            )
            session.commit()
