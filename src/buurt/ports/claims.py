"""The claims port: which webhook worker sends a pending delivery, when several share a store.

A worker ``claim``s due deliveries before it sends them. A claim holds until ``until`` and is
taken by at most one worker: two workers asking at once get different deliveries, never the
same one. Recording an attempt's outcome ends the claim (``WebhookDelivery._attempted``); a
claim that is never ended, a crashed worker's, runs out at ``until`` and the delivery is free
again. ``release`` gives back a worker's claims early (a clean stop).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from buurt.domain.webhooks import WebhookDelivery


class DeliveryClaims(Protocol):
    def claim(
        self, endpoint_id: str, worker: str, now: datetime, until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        """Claim up to ``limit`` of the endpoint's pending deliveries that are due at ``now``
        and not claimed by anyone (or whose claim ran out), for ``worker`` until ``until``;
        the claimed ones, oldest due first."""
        ...

    def release(self, worker: str, delivery_ids: list[str]) -> None:
        """End ``worker``'s claims on these deliveries (ones it no longer holds are left)."""
        ...
