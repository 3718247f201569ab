"""The periodic upkeep of a serving process: close due charter proposals, apply retention,
settle campaigns past their deadline (the first run, at start, catches up on any missed),
let reservations whose time ran out expire, forget the expired answers of idempotent creates,
and sweep image files whose row never committed.

One asyncio task while the app serves; each run goes to a worker thread, since the store is
synchronous. A failing run is logged and the next one tries again: upkeep is idempotent, so a
missed run only delays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from buurt.ports.media import Media
from buurt.services.charter.retention import run_upkeep
from buurt.services.cocreation import images
from buurt.services.commerce.reservations import expire_due
from buurt.services.context import Services
from buurt.services.idempotency import forget_expired

log = logging.getLogger("buurt.upkeep")


class PeriodicUpkeep:
    """Runs ``run_upkeep`` every ``interval`` seconds between ``start`` and ``stop``."""

    def __init__(self, services: Services, interval: float, media: Media | None = None) -> None:
        self._services = services
        self._media = media
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        # What the admin page shows: when upkeep last ran, and whether that run failed.
        self.last_run_at: datetime | None = None
        self.last_failed = False

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
                expired = await asyncio.to_thread(expire_due, self._services)
                if expired:
                    log.info("upkeep: %d reservations expired", expired)
                upkeep = await asyncio.to_thread(run_upkeep, self._services)
                await asyncio.to_thread(forget_expired, self._services)
                if self._media is not None:
                    await asyncio.to_thread(images.sweep, self._services, self._media)
                self.last_run_at, self.last_failed = self._services.clock.now(), False
                deleted = sum(p.events + p.intents for p in upkeep.purged)
                if deleted or upkeep.closed or upkeep.settled:
                    log.info(
                        "upkeep: %d records deleted, %d proposals closed, %d campaigns settled",
                        deleted,
                        len(upkeep.closed),
                        len(upkeep.settled),
                    )
            except Exception:
                self.last_run_at, self.last_failed = self._services.clock.now(), True
                log.exception("upkeep failed; trying again in %s s", self._interval)
            await asyncio.sleep(self._interval)
