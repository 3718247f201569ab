"""Webhook delivery: the worker that sends the outbox's pending deliveries to partners.

``DeliveryWorker`` runs on an asyncio loop (the API's, through the app lifespan), one lane per
endpoint so a slow partner never holds up another. ``sender`` makes one signed attempt. This
package imports the domain and the ports only; the services feed it through ``wake``.
"""

from buurt.adapters.webhooks.sender import Outcome, send
from buurt.adapters.webhooks.worker import DeliveryWorker

__all__ = ["DeliveryWorker", "Outcome", "send"]
