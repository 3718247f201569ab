"""The periodic upkeep of a serving process: close due charter proposals, apply retention,
forget the expired answers of idempotent creates.

One asyncio task while the app serves; each run goes to a worker thread, since the store is
synchronous. A failing run is logged and the next one tries again: upkeep is idempotent, so a
missed run only delays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from buurt.services.charter.retention import run_upkeep
from buurt.services.context import Services
from buurt.services.idempotency import forget_expired

log = logging.getLogger("buurt.upkeep")


class PeriodicUpkeep:
    """Runs ``run_upkeep`` every ``interval`` seconds between ``start`` and ``stop``."""

    def __init__(self, services: Services, interval: float) -> None:
        self._services = services
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._every(), name="buurt-upkeep")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _every(self) -> None:
        while True:
            try:
                upkeep = await asyncio.to_thread(run_upkeep, self._services)
                await asyncio.to_thread(forget_expired, self._services)
                deleted = sum(p.events + p.intents for p in upkeep.purged)
                if deleted or upkeep.closed:
                    log.info(
                        "upkeep: %d records deleted, %d proposals closed",
                        deleted,
                        len(upkeep.closed),
                    )
            except Exception:
                log.exception("upkeep failed; trying again in %s s", self._interval)
            await asyncio.sleep(self._interval)
