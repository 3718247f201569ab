"""The composition root: settings in, a whole instance out. Nothing happens at import time.

``build`` is the one place an instance is put together, for ``buurt serve``, ``buurt demo``, the
tools and the tests alike: the store (migrated unless told not to), the matcher and the consent
mirror loaded from it, the bus with every handler (``handlers``: in-process, or NATS JetStream
with ``bus_url``), the use cases' ``Services``, live streams, the webhook worker, the periodic
upkeep, the mailer (SMTP with ``mail_url``, else a folder), the login throttle, the media folder
of proposal images, the metrics ``/metrics`` shows, and, with ``mqtt_url`` set, the MQTT gateway
that is also the link commands go out on. On the NATS bus the use cases' events go through the
transactional outbox, and its relay is one of the background workers. What it returns is
complete and frozen: the edges (``web``, the CLI) take it as it is and only start and stop it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from buurt.adapters.bus import InProcessBus
from buurt.adapters.mail import FolderMailer, SmtpMailer
from buurt.adapters.media import FolderMedia
from buurt.adapters.metrics import Metrics
from buurt.adapters.passwords import Argon2Passwords
from buurt.adapters.store import (
    SqlDeliveryClaims,
    check_reachable,
    create_database_engine,
    sql_unit_of_work_factory,
    upgrade,
)
from buurt.adapters.streams import Broadcaster, LiveMoments
from buurt.adapters.webhooks import DeliveryWorker
from buurt.bootstrap.handlers import HandlerMap, handler_map
from buurt.bootstrap.upkeep import PeriodicUpkeep
from buurt.config import Settings
from buurt.domain.events import DomainEvent
from buurt.ports import Bus, Clock, SystemClock, UnitOfWorkFactory
from buurt.ports.mail import Mailer
from buurt.ports.media import Media
from buurt.ports.things import NoThingLink, ThingLink
from buurt.services.commerce.nearest import StockFinder
from buurt.services.community.throttle import LoginThrottle
from buurt.services.consent.decision import ConsentBook
from buurt.services.context import MatchedByWorkers, Services
from buurt.services.matching.matcher import Matcher
from buurt.services.webhooks.claims import LocalClaims
from buurt.services.webhooks.deliveries import EndpointOwners

if TYPE_CHECKING:  # the MQTT and NATS clients are only loaded when an instance has them
    from buurt.adapters.bus.nats import NatsBus
    from buurt.adapters.bus.parties import PartyFeed
    from buurt.adapters.bus.relay import OutboxRelay
    from buurt.mqtt.broker_files import BrokerFiles
    from buurt.mqtt.gateway import Gateway


class Background(Protocol):
    """Work an instance runs beside its requests, on the serving event loop."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Buurt:
    """A whole instance. ``database`` is the SQL store's engine (``None`` on a memory store);
    ``matcher`` holds the matching engine's indexes, ``stock_finder`` the nearest-stock
    index; ``background`` is what the serving app starts and stops."""

    settings: Settings
    database: Engine | None
    services: Services
    bus: Bus
    matcher: Matcher
    consent_book: ConsentBook
    broadcaster: Broadcaster
    webhooks: DeliveryWorker
    background: tuple[Background, ...]
    mailer: Mailer
    stock_finder: StockFinder
    login_throttle: LoginThrottle
    media: Media
    gateway: Gateway | None = None
    broker_files: BrokerFiles | None = None
    nats_bus: NatsBus | None = None
    local_link: ThingLink | None = None
    outbox: OutboxRelay | None = None
    metrics: Metrics = field(default_factory=Metrics)
    party_feed: PartyFeed | None = None

    @property
    def live_moments(self) -> LiveMoments:
        """Where moments streams get their moments: on the NATS bus, their parties' subjects
        (whichever process made the moment); else the moments this process hears."""
        return self.party_feed if self.party_feed is not None else self.broadcaster

    @property
    def thing_link(self) -> ThingLink:
        """Where commands to things go: the gateway; without one, the link to things in this
        process (the demo's), or a link that refuses every command."""
        if self.gateway is not None:
            return self.gateway
        return self.local_link if self.local_link is not None else NoThingLink()

    def start_mqtt(self) -> None:
        """Write the broker's files and reload it, then connect the gateway (when there is
        one); ``ConnectionError`` when the broker refuses or is away."""
        if self.broker_files is not None:
            self.broker_files.rewrite()
        if self.gateway is not None:
            self.gateway.start()

    def close(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
        if self.outbox is not None:
            self.outbox.stop_thread()
        if self.nats_bus is not None:
            self.nats_bus.close()
        if self.database is not None:
            self.database.dispose()


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    local_link: ThingLink | None = None,
) -> Buurt:
    """Connect to the store (applying migrations unless told not to) and wire everything;
    a ``DatabaseError`` when the URL is wrong or the database cannot be reached.
    ``local_link`` takes commands to things when there is no MQTT gateway."""
    database = create_database_engine(settings.database_url)
    try:
        check_reachable(database)
    except BaseException:
        database.dispose()
        raise
    if migrate:
        upgrade(database)
    return assemble(
        settings,
        sql_unit_of_work_factory(database),
        clock,
        database=database,
        local_link=local_link,
    )


def assemble(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    clock: Clock | None = None,
    *,
    database: Engine | None = None,
    local_link: ThingLink | None = None,
) -> Buurt:
    """Wire an instance around a store that is already there: the SQL store ``build`` made,
    or the in-memory store of ``buurt.testing`` (then ``database`` is ``None``)."""
    clock = clock or SystemClock()
    rules = settings.webhook_rules()
    consent_book = ConsentBook()
    stock_finder = StockFinder()
    endpoint_owners = EndpointOwners()
    by_workers = settings.matching == "workers"
    # Engine workers may match a publication again (a redelivery): ``once`` skips the moments
    # told already. The embedded default matches each publication once, in its transaction.
    matcher = Matcher(consent_book, stock_finder, once=by_workers)
    with uow_factory() as uow:
        consent_book.load(uow)
        matcher.load(uow, clock.now())
        stock_finder.load(uow)
        endpoint_owners.load(uow)
    broadcaster = Broadcaster()
    # On a SQL store the database decides who sends what, so processes may share it; the
    # in-memory store has one process, whose workers a lock keeps apart.
    claims = SqlDeliveryClaims(database) if database is not None else LocalClaims(uow_factory)
    webhooks = DeliveryWorker(uow_factory, clock, rules, claims)
    broker_files = _broker_files(settings, uow_factory)
    # The gateway needs the services, and the services the bus: automations reach the gateway
    # (the link commands go out on) through this, once it exists, a few lines down.
    gateways: list[Gateway] = []

    def thing_link() -> ThingLink:
        if gateways:
            return gateways[0]
        return local_link if local_link is not None else NoThingLink()

    # On the NATS bus every process hears every moment: an automation fires in the one process
    # that claims the moment on the stream (the bus exists a few lines down).
    buses: list[NatsBus] = []

    def claim(ident: str) -> bool:
        return buses[0].claim(ident) if buses else False

    handlers = handler_map(
        matcher=matcher,
        consent_book=consent_book,
        broadcaster=broadcaster,
        webhooks=webhooks,
        uow_factory=uow_factory,
        clock=clock,
        stock_finder=stock_finder,
        endpoint_owners=endpoint_owners,
        broker_files=broker_files,
        thing_link=thing_link,
        claim=claim if settings.bus_url else None,
    )
    nats_bus = _nats_bus(settings, handlers)
    buses.extend([nats_bus] if nats_bus is not None else [])
    bus: Bus = nats_bus if nats_bus is not None else InProcessBus(handlers)
    outbox = _outbox(nats_bus, database)
    party_feed = _party_feed(nats_bus)
    metrics = Metrics()
    bus.subscribe(DomainEvent, metrics.heard)
    media = FolderMedia(settings.media_folder)
    services = Services(
        uow_factory=uow_factory,
        clock=clock,
        passwords=Argon2Passwords(settings.password_profile),
        bus=bus,
        matching=(
            MatchedByWorkers(matcher, followers=settings.worker_owners) if by_workers else matcher
        ),
        webhook_rules=rules,
        outbox=outbox,
    )
    gateway = _gateway(settings, services)
    gateways.extend([gateway] if gateway is not None else [])
    metrics.watch(
        outbox,
        nats_bus,
        live=party_feed,
        gateway=gateway.stats if gateway is not None else None,
    )
    background: list[Background] = [webhooks] if outbox is None else [outbox, webhooks]
    if settings.maintenance_interval_seconds > 0:
        background.append(
            PeriodicUpkeep(services, settings.maintenance_interval_seconds, media=media)
        )
    return Buurt(
        settings=settings,
        database=database,
        services=services,
        bus=bus,
        matcher=matcher,
        consent_book=consent_book,
        broadcaster=broadcaster,
        webhooks=webhooks,
        background=tuple(background),
        mailer=SmtpMailer(settings.mail_url)
        if settings.mail_url
        else FolderMailer(settings.mail_folder),
        stock_finder=stock_finder,
        login_throttle=LoginThrottle(
            clock, settings.login_failures, timedelta(seconds=settings.login_window_seconds)
        ),
        gateway=gateway,
        local_link=local_link,
        media=media,
        broker_files=broker_files,
        nats_bus=nats_bus,
        outbox=outbox,
        metrics=metrics,
        party_feed=party_feed,
    )


def _nats_bus(settings: Settings, handlers: HandlerMap) -> NatsBus | None:
    """With ``bus_url``, the events go through JetStream (connected here: ``BusUnavailable``
    when it cannot be reached); else the in-process bus of the embedded default."""
    if not settings.bus_url:
        return None
    from buurt.adapters.bus.nats import NatsBus
    from buurt.adapters.bus.parties import moment_subjects
    from buurt.adapters.bus.shards import Sharding, split_circles

    bus = NatsBus(
        settings.bus_url,
        stream=settings.bus_stream,
        handlers=handlers,
        fan_out=moment_subjects,
        sharding=Sharding(settings.shards, split_circles(settings.split_circles)),
    )
    bus.start()
    return bus


def _party_feed(nats_bus: NatsBus | None) -> PartyFeed | None:
    """On the NATS bus, moments streams follow their parties' subjects (ADR 0013)."""
    if nats_bus is None:
        return None
    from buurt.adapters.bus.parties import PartyFeed

    return PartyFeed(nats_bus)


def _outbox(nats_bus: NatsBus | None, database: Engine | None) -> OutboxRelay | None:
    """On the NATS bus, events leave through the store's outbox and its relay; the embedded
    default has none (no outbox writes: its events go to the in-process bus)."""
    if nats_bus is None:
        return None
    if database is None:
        raise ValueError("the NATS bus needs a SQL store: its outbox is a table there")
    from buurt.adapters.bus.relay import OutboxRelay
    from buurt.adapters.store import SqlOutbox

    return OutboxRelay(SqlOutbox(database), nats_bus)


def _broker_files(settings: Settings, uow_factory: UnitOfWorkFactory) -> BrokerFiles | None:
    if not settings.mqtt_url or settings.mqtt_config_dir is None:
        return None
    from buurt.mqtt.broker_files import BrokerFiles
    from buurt.mqtt.url import BrokerUrl

    url = BrokerUrl.parse(settings.mqtt_url)
    return BrokerFiles(uow_factory, settings.mqtt_config_dir, url.username, url.password)


def _gateway(settings: Settings, services: Services) -> Gateway | None:
    if not settings.mqtt_url:
        return None
    from buurt.mqtt.gateway import Gateway
    from buurt.mqtt.url import BrokerUrl

    return Gateway(
        services,
        BrokerUrl.parse(settings.mqtt_url),
        client_id=settings.mqtt_client_id,
        ca_file=settings.mqtt_ca_file,
        share_group=settings.mqtt_share_group,
    )


__all__ = ["Background", "Buurt", "assemble", "build"]
