"""The one map from domain event type to its handlers: who keeps what current, in what order.

Every in-memory part of an instance that mirrors the store subscribes here, and nowhere else:

=========================  ===========================================================
event                      handlers (in order)
=========================  ===========================================================
StandingCreated/Changed    the matcher indexes the standing as it now is
StandingRemoved            the matcher drops it
CircleSaved                the matcher notes the circle's timezone
MemberSettingsChanged      the matcher configures the member's caps and quiet hours anew
MemberErased               the consent mirror forgets the member's grants; the matcher
                           their settings
ConsentGranted/Changed/    the consent mirror records the grant as it now is
Revoked
ConsentDeleted             the consent mirror drops the grant
CharterProposalClosed      the matcher configures the circle's quiet hours anew
MomentCreated/Changed      webhooks (for a recipient with an endpoint) enqueue what the
                           moment's commit did not, and wake the worker;
                           a new moment of an automated subscription commands the thing
                           (on the NATS bus, in the one process that claims the moment);
                           live streams hear of it
EventPublished             live streams (thing pages) hear of it
WebhookEndpointChanged,    the webhook worker wakes the endpoint's lane; a changed
                           endpoint's owner is noted as one with an endpoint
WebhookDeliveryQueued
ThingAccessChanged,        the broker's password file and ACL are rewritten (with MQTT)
ThingRemoved
StockChanged/Removed,      the stock finder takes the stock (or the site) as it now is
SiteSaved
=========================  ===========================================================

``docs/architecture.md`` draws the same table; a test holds the two together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from buurt.adapters.streams import Broadcaster
from buurt.adapters.webhooks import DeliveryWorker
from buurt.domain.events import (
    CharterProposalClosed,
    CircleSaved,
    ConsentChanged,
    ConsentDeleted,
    ConsentGranted,
    ConsentRevoked,
    DomainEvent,
    EventPublished,
    MemberErased,
    MemberSettingsChanged,
    MomentChanged,
    MomentCreated,
    SiteSaved,
    StandingChanged,
    StandingCreated,
    StandingRemoved,
    StockChanged,
    StockRemoved,
    ThingAccessChanged,
    ThingRemoved,
    WebhookDeliveryQueued,
    WebhookEndpointChanged,
)
from buurt.mqtt.broker_files import BrokerFiles
from buurt.ports import Clock, Handler, UnitOfWorkFactory
from buurt.ports.things import NoThingLink, ThingLink
from buurt.services.commerce.nearest import StockFinder
from buurt.services.consent.decision import ConsentBook
from buurt.services.matching.matcher import Matcher
from buurt.services.sharing import automations
from buurt.services.webhooks.deliveries import EndpointOwners, MomentWebhooks

HandlerMap = dict[type[DomainEvent], list[Handler[Any]]]


def handler_map(
    *,
    matcher: Matcher,
    consent_book: ConsentBook,
    broadcaster: Broadcaster,
    webhooks: DeliveryWorker,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    stock_finder: StockFinder,
    endpoint_owners: EndpointOwners,
    broker_files: BrokerFiles | None = None,
    thing_link: Callable[[], ThingLink] = NoThingLink,
    claim: automations.Claim | None = None,
) -> HandlerMap:
    def standing_saved(event: StandingCreated | StandingChanged) -> None:
        matcher.standing_saved(event.standing)

    def grant_saved(event: ConsentGranted | ConsentChanged | ConsentRevoked) -> None:
        consent_book.put(event.grant)

    def member_erased(event: MemberErased) -> None:
        consent_book.forget_member(event.member_id)
        matcher.forget_recipient_settings(event.member_id)

    def wake(event: WebhookEndpointChanged | WebhookDeliveryQueued) -> None:
        webhooks.wake(event.endpoint_id)

    def endpoint_changed(event: WebhookEndpointChanged) -> None:
        with uow_factory() as uow:
            endpoint_owners.changed(uow, event.endpoint_id)

    def things_changed(event: ThingAccessChanged | ThingRemoved) -> None:
        if broker_files is not None:
            broker_files.rewrite()

    moment_webhooks = MomentWebhooks(uow_factory, clock, webhooks.wake, endpoint_owners)
    return {
        StandingCreated: [standing_saved],
        StandingChanged: [standing_saved],
        StandingRemoved: [lambda event: matcher.standing_removed(event.standing)],
        CircleSaved: [lambda event: matcher.circle_saved(event.circle)],
        MemberSettingsChanged: [lambda event: matcher.forget_recipient_settings(event.member_id)],
        MemberErased: [member_erased],
        ConsentGranted: [grant_saved],
        ConsentChanged: [grant_saved],
        ConsentRevoked: [grant_saved],
        ConsentDeleted: [lambda event: consent_book.drop(event.grant_id)],
        CharterProposalClosed: [lambda event: matcher.charter_changed(event.proposal.circle_id)],
        MomentCreated: [
            moment_webhooks,
            broadcaster,
            automations.firing_handler(uow_factory, clock, thing_link, claim),
        ],
        MomentChanged: [moment_webhooks, broadcaster],
        EventPublished: [broadcaster],
        WebhookEndpointChanged: [endpoint_changed, wake],
        WebhookDeliveryQueued: [wake],
        ThingAccessChanged: [things_changed],
        ThingRemoved: [things_changed],
        StockChanged: [lambda event: stock_finder.stock_changed(event.stock)],
        StockRemoved: [lambda event: stock_finder.stock_removed(event.stock)],
        SiteSaved: [lambda event: stock_finder.site_saved(event.site)],
    }
