"""Claims on webhook deliveries for a store only one process uses (the in-memory store).

``LocalClaims`` reads and marks the deliveries in one unit of work under a lock of its own, so
the workers of one process never claim a delivery twice. It knows nothing of other processes:
on a store several processes share, use the SQL store's claims (``adapters.store.claims``),
which let the database decide.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from buurt.domain.webhooks import DeliveryStatus, WebhookDelivery
from buurt.ports import UnitOfWorkFactory
from buurt.ports.store import Between

_PAGE = 500
_TICK = timedelta(microseconds=1)  # the smallest step of a stored instant


class LocalClaims:
    """``DeliveryClaims`` over any store, correct while one process uses it."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self._lock = threading.Lock()

    def claim(
        self, endpoint_id: str, worker: str, now: datetime, until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        with self._lock, self._uow_factory() as uow:
            pending = uow.repo(WebhookDelivery).page(
                where={
                    "endpoint_id": endpoint_id,
                    "status": DeliveryStatus.PENDING,
                    # Due at ``now`` or before: ``Between`` is exclusive at its end.
                    "next_attempt_at": Between(None, now + _TICK),
                },
                limit=_PAGE,
            )
            free = [d for d in pending.items if d.claimed_until is None or d.claimed_until <= now]
            free.sort(key=lambda d: (d.next_attempt_at, d.id))
            claimed = free[:limit]
            for delivery in claimed:
                delivery.claimed_until, delivery.claimed_by = until, worker
            uow.commit()
            return claimed

    def release(self, worker: str, delivery_ids: list[str]) -> None:
        with self._lock, self._uow_factory() as uow:
            for delivery_id in delivery_ids:
                delivery = uow.repo(WebhookDelivery).get(delivery_id)
                if delivery is not None and delivery.claimed_by == worker:
                    delivery.claimed_until, delivery.claimed_by = None, None
            uow.commit()
