"""The JSON API under ``/v1``: one router module per resource, thin, plus shared schemas and
dependencies (``deps``: the services, the authenticated principal, paging)."""

from fastapi import APIRouter

from buurt.web.api import (
    aggregates,
    auth,
    businesses,
    campaigns,
    charter,
    circles,
    consents,
    events,
    images,
    intents,
    me,
    members,
    moderation,
    moments,
    offers,
    orders,
    proposals,
    reviews,
    subscriptions,
    thing_ingest,
    things,
    webhooks,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    circles.router,
    members.router,
    businesses.router,
    things.router,
    thing_ingest.router,
    events.router,
    intents.router,
    offers.router,
    orders.router,
    proposals.router,
    images.router,
    campaigns.router,
    reviews.router,
    moderation.router,
    subscriptions.router,
    moments.router,
    consents.router,
    charter.router,
    aggregates.router,
    me.router,
    webhooks.router,
]
