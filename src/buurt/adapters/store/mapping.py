"""Maps the domain's dataclasses onto the tables (SQLAlchemy imperative mapping).

The domain stays free of SQLAlchemy: the mapping is applied once, by ``map_domain()``, when the
store is first used, never at import time.
"""

from __future__ import annotations

import threading

from sqlalchemy import Table
from sqlalchemy.orm import composite, registry

from buurt.adapters.store import (
    tables,
    tables_access,
    tables_accounts,
    tables_admission,
    tables_charter,
    tables_cocreation,
    tables_idempotency,
    tables_ingest,
    tables_orders,
    tables_sharing,
    tables_staff,
    tables_stock,
    tables_webhooks,
)
from buurt.domain.access import AccessEntry
from buurt.domain.accounts import AccountToken
from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.admission import AdmissionCode, AdmissionRequest, Verification, Vouch
from buurt.domain.aggregates import AggregateQuery
from buurt.domain.automations import Automation
from buurt.domain.bookings import Bookable, Booking
from buurt.domain.campaigns import Campaign, Pledge, Settlement
from buurt.domain.charter import CharterProposal, CharterVersion, CharterVote
from buurt.domain.cocreation import Comment, Proposal, ProposalImage, Support
from buurt.domain.community import Business, Circle, Member, Membership, Site, Thing
from buurt.domain.consent import ConsentGrant
from buurt.domain.following import Follow
from buurt.domain.idempotency import IdempotentRequest
from buurt.domain.ingestion import MqttCredential, RejectedEvent
from buurt.domain.moderation import ModerationEntry, Report
from buurt.domain.moments import Moment
from buurt.domain.orders import Order
from buurt.domain.places import Place
from buurt.domain.reviews import Review
from buurt.domain.staff import Staff
from buurt.domain.stock import Item, Reservation, Stock
from buurt.domain.tokens import AccessToken
from buurt.domain.webhooks import WebhookDelivery, WebhookEndpoint

TABLE_OF: dict[type, Table] = {
    Circle: tables.circles,
    Member: tables.members,
    Membership: tables.memberships,
    Business: tables.businesses,
    Site: tables.sites,
    Thing: tables.things,
    Event: tables.events,
    Intent: tables.intents,
    Offer: tables.offers,
    Subscription: tables.subscriptions,
    Moment: tables.moments,
    ConsentGrant: tables.consent_grants,
    AccessToken: tables.access_tokens,
    CharterVersion: tables_charter.charter_versions,
    CharterProposal: tables_charter.charter_proposals,
    CharterVote: tables_charter.charter_votes,
    AggregateQuery: tables_charter.aggregate_queries,
    AccessEntry: tables_access.access_log,
    WebhookEndpoint: tables_webhooks.webhook_endpoints,
    WebhookDelivery: tables_webhooks.webhook_deliveries,
    RejectedEvent: tables_ingest.rejected_events,
    MqttCredential: tables_ingest.mqtt_credentials,
    Order: tables_orders.orders,
    AccountToken: tables_accounts.account_tokens,
    Item: tables_stock.items,
    Stock: tables_stock.stock,
    Reservation: tables_stock.reservations,
    Proposal: tables_cocreation.proposals,
    ProposalImage: tables_cocreation.proposal_images,
    Comment: tables_cocreation.comments,
    Support: tables_cocreation.supports,
    Campaign: tables_cocreation.campaigns,
    Pledge: tables_cocreation.pledges,
    Settlement: tables_cocreation.settlements,
    Review: tables_cocreation.reviews,
    Report: tables_cocreation.reports,
    ModerationEntry: tables_cocreation.moderation_entries,
    AdmissionCode: tables_admission.admission_codes,
    AdmissionRequest: tables_admission.admission_requests,
    Vouch: tables_admission.vouches,
    Verification: tables_admission.verifications,
    IdempotentRequest: tables_idempotency.idempotent_requests,
    Bookable: tables_sharing.bookables,
    Booking: tables_sharing.bookings,
    Automation: tables_sharing.automations,
    Follow: tables_cocreation.follows,
    Staff: tables_staff.business_staff,
}

_WITH_PLACE = {Site, Thing, Event}
_registry = registry()
_lock = threading.Lock()
_mapped = False


def map_domain() -> None:
    """Map every entity once per process; later calls do nothing."""
    global _mapped
    with _lock:
        if _mapped:
            return
        for cls, table in TABLE_OF.items():
            properties = {}
            if cls in _WITH_PLACE:
                properties["place"] = composite(Place, table.c.lat, table.c.lon)
            _registry.map_imperatively(cls, table, properties=properties)
        _mapped = True
