"""The party kinds each field of the API takes, each documented as its own enum.

The domain has one ``PartyKind``; a field accepts only the kinds its role allows, and the
OpenAPI document lists exactly those (a thing's owner is never a thing, a grant's recipient
may be an app). Values are the domain's, so they pass to the services unchanged.
"""

from __future__ import annotations

from enum import StrEnum

from buurt.domain.parties import PartyKind


class SourceKind(StrEnum):
    """Who published an event, or owns an offer or a subscription."""

    THING = PartyKind.THING.value
    MEMBER = PartyKind.MEMBER.value
    BUSINESS = PartyKind.BUSINESS.value


class PrincipalKind(StrEnum):
    """Who can hold a bearer token and act through the API."""

    MEMBER = PartyKind.MEMBER.value
    BUSINESS = PartyKind.BUSINESS.value
    THING = PartyKind.THING.value


class OwnerKind(StrEnum):
    """Who owns a thing."""

    MEMBER = PartyKind.MEMBER.value
    BUSINESS = PartyKind.BUSINESS.value
    CIRCLE = PartyKind.CIRCLE.value


class RecipientKind(StrEnum):
    """Who a consent grant lets use a member's data."""

    BUSINESS = PartyKind.BUSINESS.value
    MEMBER = PartyKind.MEMBER.value
    CIRCLE = PartyKind.CIRCLE.value
    APP = PartyKind.APP.value
