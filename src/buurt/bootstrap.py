"""The composition root: settings in, a wired application out. Nothing happens at import time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from buurt.adapters.store import create_database_engine, sql_unit_of_work_factory, upgrade
from buurt.adapters.webhooks import DeliveryWorker
from buurt.config import Settings
from buurt.ports import Clock, SystemClock
from buurt.services.context import Passwords, Services
from buurt.services.matching.matcher import Matcher
from buurt.services.webhooks.deliveries import webhook_listener


@dataclass
class Buurt:
    """A running instance's parts: its settings, its database engine, its services and the
    background workers the app runs (``webhooks`` sends webhook deliveries)."""

    settings: Settings
    engine: Engine
    services: Services
    webhooks: DeliveryWorker

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Buurt:
    """Connect to the store (applying migrations unless told not to) and wire the services."""
    engine = create_database_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    passwords = Passwords.of_profile(settings.password_profile)
    services = Services(
        uow_factory=sql_unit_of_work_factory(engine),
        clock=clock or SystemClock(),
        passwords=passwords,
        webhook_rules=settings.webhook_rules(),
    )
    matcher = Matcher(services.consent_book)
    with services.uow() as uow:
        services.consent_book.load(uow)
        matcher.load(uow)
    services.matching = matcher
    services.listeners += [services.consent_book.listen, matcher.listen]
    webhooks = DeliveryWorker(services.uow_factory, services.clock, services.webhook_rules)
    services.listeners.append(webhook_listener(services, webhooks.wake))
    return Buurt(settings=settings, engine=engine, services=services, webhooks=webhooks)
