"""The periodic upkeep of a serving process: close due charter proposals, apply retention.

Started from the app's lifespan as one asyncio task; each run goes to a worker thread, since
the store is synchronous. A failing run is logged and the next one tries again: upkeep is
idempotent, so a missed run only delays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from buurt.services.charter.retention import run_upkeep
from buurt.services.context import Services

log = logging.getLogger("buurt.upkeep")


async def _every(services: Services, interval: float) -> None:
    while True:
        try:
            upkeep = await asyncio.to_thread(run_upkeep, services)
            deleted = sum(p.events + p.intents for p in upkeep.purged)
            if deleted or upkeep.closed:
                log.info(
                    "upkeep: %d records deleted, %d proposals closed", deleted, len(upkeep.closed)
                )
        except Exception:
            log.exception("upkeep failed; trying again in %s s", interval)
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def periodic_upkeep(services: Services, interval: float) -> AsyncIterator[None]:
    """Run upkeep every ``interval`` seconds while the app serves (never when 0)."""
    if interval <= 0:
        yield
        return
    task = asyncio.create_task(_every(services, interval), name="buurt-upkeep")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
