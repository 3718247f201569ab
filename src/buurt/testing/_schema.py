"""What the memory store knows of the schema: the kinds it keeps and the constraints of their
SQL tables, restated here because the fakes may not import the SQL adapter
(``tests/contract/test_memory_schema.py`` compares the two).

A row is a dict of an entity's dataclass fields holding what the SQL store would give back:
aware UTC datetimes, enum members, and copies of JSON values made through ``json``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from buurt.domain.access import AccessEntry
from buurt.domain.accounts import AccountToken
from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.admission import AdmissionCode, AdmissionRequest, Verification, Vouch
from buurt.domain.aggregates import AggregateQuery
from buurt.domain.automations import Automation
from buurt.domain.bookings import Bookable, Booking, BookingStatus
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
from buurt.domain.places import Area, Boundary
from buurt.domain.reviews import Review
from buurt.domain.staff import Staff
from buurt.domain.stock import Item, Reservation, Stock
from buurt.domain.tokens import AccessToken
from buurt.domain.webhooks import WebhookDelivery, WebhookEndpoint

Row = dict[str, Any]


@dataclass(frozen=True)
class Exclusion:
    """No two rows with the same ``same`` value and ``where`` field at ``value`` may have
    overlapping ``[start, end)`` intervals (PostgreSQL's ``EXCLUDE USING gist``)."""

    same: str
    start: str
    end: str
    where: tuple[str, Any]


@dataclass(frozen=True)
class Reference:
    """A foreign key: ``field`` holds the id of a ``parent``; deleting the parent is refused
    while the reference stands, unless ``cascade`` (then the referring rows go too)."""

    field: str
    parent: type
    cascade: bool = False


def _stored_datetime(value: Any) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return typing.cast(datetime, value.astimezone(UTC))


def _stored_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _stored_float(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _stored_shape(value: Any) -> Any:
    return type(value).from_json(_stored_json(value.to_json()))


def _same(value: Any) -> Any:
    return value


def _storer(hint: Any) -> tuple[Callable[[Any], Any], bool]:
    """How a field's value is stored, and whether it is a JSON column (where ``None`` is
    stored as JSON ``null``, never as SQL ``NULL``)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = args[0]
    origin = typing.get_origin(hint) or hint
    if origin in (dict, list):
        return _stored_json, True
    if hint in (Area, Boundary):
        return _stored_shape, True
    if hint is datetime:
        return _stored_datetime, False
    if hint is float:
        return _stored_float, False
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint, False
    return _same, False


class Table:
    """One kind of entity as the SQL store keeps it."""

    def __init__(
        self,
        kind: type,
        *,
        unique: tuple[tuple[str, ...], ...] = (),
        references: tuple[Reference, ...] = (),
        defaults: Mapping[str, Any] | None = None,
        checks: Mapping[str, Callable[[Row], bool]] | None = None,
        exclusions: tuple[Exclusion, ...] = (),
    ) -> None:
        hints = typing.get_type_hints(kind)
        self.kind = kind
        self.name = kind.__name__
        # The order the SQL adapter's ORM flushes kinds in (SQLAlchemy sorts them by name).
        self.flush_order = f"{kind.__module__}.{kind.__qualname__}"
        self.fields = tuple(f.name for f in dataclasses.fields(kind))
        self.unique = (("id",), *unique)
        self.references = references
        self.exclusions = exclusions
        self.defaults = dict(defaults or {})
        self.checks = dict(checks or {})
        """The SQL table's CHECK constraints, by name: each holds for every stored row."""
        self.storers: dict[str, Callable[[Any], Any]] = {}
        self.json: set[str] = set()
        self.nullable: set[str] = set()
        for name in self.fields:
            self.storers[name], is_json = _storer(hints[name])
            if is_json:
                self.json.add(name)
            if type(None) in typing.get_args(hints[name]):
                self.nullable.add(name)
        with_place = "place" in self.fields
        self.columns = frozenset(
            (*(f for f in self.fields if f != "place"), *(("lat", "lon") if with_place else ()))
        )
        """Names ``page`` filters on (the table's columns: a place is ``lat`` and ``lon``)."""
        self.attributes = self.columns | set(self.fields)
        """Names ``find`` filters on (the mapped attributes: columns, and ``place``)."""

    def row(self, entity: object, *, with_defaults: bool) -> Row:
        """What storing the entity would store; ``with_defaults`` puts a column's default where
        the entity holds ``None`` (the ORM does, a bulk insert does not)."""
        row: Row = {}
        for name in self.fields:
            value = getattr(entity, name)
            if value is None and with_defaults:
                value = self.defaults.get(name)
            row[name] = None if value is None else self.storers[name](value)
        return row

    def stored_changes(self, changes: Row) -> Row:
        """What an update of these fields would store (``None`` is stored as NULL)."""
        return {k: None if v is None else self.storers[k](v) for k, v in changes.items()}

    def stored(self, name: str, value: Any) -> Any:
        """A filter's value as the store compares it."""
        if value is None or name in ("lat", "lon"):
            return value
        return self.storers[name](value)

    def value(self, row: Row, name: str) -> Any:
        if name in ("lat", "lon"):
            return getattr(row["place"], name)
        return row[name]

    def entity(self, row: Row) -> Any:
        """A new entity holding a copy of the row."""
        return self.kind(**self.copy(row))

    def values(self, entity: object) -> Row:
        """The entity's field values, the very objects."""
        return {name: getattr(entity, name) for name in self.fields}

    def copy(self, row: Row) -> Row:
        return {k: copy.deepcopy(v) if k in self.json else v for k, v in row.items()}


_IN_CIRCLE = Reference("circle_id", Circle)

TABLES: dict[type, Table] = {
    t.kind: t
    for t in (
        Table(Circle, defaults={"description": ""}),
        Table(Member, unique=(("email",),), defaults={"max_moments_per_hour": 10}),
        Table(
            Membership,
            unique=(("circle_id", "member_id"),),
            references=(_IN_CIRCLE, Reference("member_id", Member)),
        ),
        Table(
            Business,
            references=(_IN_CIRCLE, Reference("owner_member_id", Member)),
            defaults={"description": ""},
        ),
        Table(Site, references=(Reference("business_id", Business),), defaults={"address": ""}),
        Table(Thing, references=(_IN_CIRCLE,)),
        Table(Event, unique=(("source_id", "message_id"),), references=(_IN_CIRCLE,)),
        Table(
            Intent,
            references=(_IN_CIRCLE, Reference("member_id", Member)),
            defaults={"text": ""},
        ),
        Table(Offer, references=(_IN_CIRCLE,), defaults={"description": ""}),
        Table(Subscription, references=(_IN_CIRCLE,)),
        Table(Moment, unique=(("delivery_key",),), references=(_IN_CIRCLE,)),
        Table(ConsentGrant, references=(Reference("member_id", Member),)),
        Table(AccessToken, unique=(("digest",),)),
        Table(CharterVersion, unique=(("circle_id", "version"),), references=(_IN_CIRCLE,)),
        Table(CharterProposal, references=(_IN_CIRCLE, Reference("member_id", Member))),
        Table(
            CharterVote,
            unique=(("proposal_id", "member_id"),),
            references=(Reference("proposal_id", CharterProposal), Reference("member_id", Member)),
        ),
        Table(
            AggregateQuery,
            references=(_IN_CIRCLE, Reference("business_id", Business)),
        ),
        Table(AccessEntry),
        Table(WebhookEndpoint, defaults={"description": "", "active": True}),
        Table(
            WebhookDelivery,
            unique=(("endpoint_id", "event_key"),),
            references=(Reference("endpoint_id", WebhookEndpoint, cascade=True),),
            defaults={"attempts": 0},
        ),
        Table(RejectedEvent),
        Table(MqttCredential, references=(Reference("id", Thing, cascade=True),)),
        Table(
            AccountToken,
            unique=(("digest",),),
            references=(Reference("member_id", Member, cascade=True),),
        ),
        Table(IdempotentRequest),
        Table(
            AdmissionCode,
            unique=(("digest",),),
            references=(_IN_CIRCLE, Reference("used_by", Member)),
            defaults={"label": ""},
        ),
        Table(
            AdmissionRequest,
            references=(_IN_CIRCLE, Reference("member_id", Member)),
            defaults={"note": ""},
        ),
        Table(
            Vouch,
            unique=(("request_id", "voucher_id"),),
            references=(
                _IN_CIRCLE,
                Reference("request_id", AdmissionRequest),
                Reference("member_id", Member),
                Reference("voucher_id", Member),
            ),
        ),
        Table(
            Verification,
            unique=(("circle_id", "member_id"), ("circle_id", "address_key")),
            references=(_IN_CIRCLE, Reference("member_id", Member)),
        ),
        Table(
            Order,
            unique=(("source_kind", "source_id"),),
            references=(
                _IN_CIRCLE,
                Reference("business_id", Business),
                Reference("member_id", Member),
            ),
        ),
        Table(Item, references=(Reference("business_id", Business),)),
        Table(
            Stock,
            unique=(("item_id", "site_id"),),
            references=(
                Reference("business_id", Business),
                Reference("item_id", Item),
                Reference("site_id", Site),
            ),
            defaults={"held": 0, "version": 1},
            checks={
                "ck_stock_held": lambda row: 0 <= row["held"] <= row["quantity"],
                "ck_stock_quantity": lambda row: row["quantity"] >= 0 and row["price"] >= 0,
            },
        ),
        Table(
            Reservation,
            references=(
                _IN_CIRCLE,
                Reference("business_id", Business),
                Reference("stock_id", Stock),
                Reference("member_id", Member),
            ),
            defaults={"held": 0},
            checks={"ck_reservations_held": lambda row: row["held"] >= 0},
        ),
        Table(Proposal, references=(_IN_CIRCLE,)),
        Table(ProposalImage, references=(Reference("proposal_id", Proposal),)),
        Table(
            Comment,
            references=(Reference("proposal_id", Proposal), Reference("parent_id", Comment)),
        ),
        Table(
            Support,
            unique=(("proposal_id", "member_id"),),
            references=(Reference("proposal_id", Proposal), Reference("member_id", Member)),
        ),
        Table(
            Campaign,
            references=(
                _IN_CIRCLE,
                Reference("proposal_id", Proposal),
                Reference("business_id", Business),
            ),
        ),
        Table(
            Pledge,
            unique=(("campaign_id", "member_id"),),
            references=(Reference("campaign_id", Campaign), Reference("member_id", Member)),
        ),
        Table(Settlement, references=(Reference("id", Campaign),)),
        Table(
            Review,
            unique=(("fulfilment_kind", "fulfilment_id"),),
            references=(
                _IN_CIRCLE,
                Reference("business_id", Business),
                Reference("member_id", Member),
            ),
        ),
        Table(
            Report,
            unique=(("target_kind", "target_id", "reporter_id"),),
            references=(_IN_CIRCLE, Reference("reporter_id", Member)),
        ),
        Table(ModerationEntry, references=(_IN_CIRCLE, Reference("moderator_id", Member))),
        Table(
            Bookable,
            unique=(("thing_id",),),
            references=(_IN_CIRCLE, Reference("thing_id", Thing, cascade=True)),
        ),
        Table(
            Booking,
            references=(
                _IN_CIRCLE,
                Reference("bookable_id", Bookable, cascade=True),
                Reference("member_id", Member),
            ),
            exclusions=(
                Exclusion("bookable_id", "starts_at", "ends_at", ("status", BookingStatus.BOOKED)),
            ),
        ),
        Table(
            Automation,
            unique=(("subscription_id",),),
            references=(
                _IN_CIRCLE,
                Reference("member_id", Member),
                Reference("subscription_id", Subscription, cascade=True),
                Reference("thing_id", Thing, cascade=True),
            ),
        ),
        Table(
            Follow,
            unique=(("member_id", "topic"),),
            references=(
                _IN_CIRCLE,
                Reference("member_id", Member),
                Reference("proposal_id", Proposal),
            ),
        ),
        Table(
            Staff,
            unique=(("business_id", "member_id"),),
            references=(
                Reference("business_id", Business, cascade=True),
                Reference("member_id", Member, cascade=True),
            ),
        ),
    )
}

REFERRERS: dict[type, list[tuple[Table, Reference]]] = {kind: [] for kind in TABLES}
"""For each kind, the tables and references that point at it."""
for _table in TABLES.values():
    for _reference in _table.references:
        REFERRERS[_reference.parent].append((_table, _reference))
