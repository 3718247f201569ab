"""Webhooks: endpoints partners register, the deliveries owed to them, and the rules of both.

A webhook endpoint belongs to a member or a business and subscribes to topics
(``moment.created``, ``moment.changed``). Each notification owed to an endpoint is a
delivery, written to the store before anyone is told (the outbox) and retried until it is
delivered or gives up::

    pending ──> delivered
       └──────> failed        (too many attempts, or the endpoint answered 410 Gone)

Signatures follow Stripe's scheme: ``Buurt-Signature: t=<unix seconds>,v1=<hex>`` where the hex
is HMAC-SHA256 over ``"<t>.<body>"`` keyed with the endpoint's secret. Which addresses may be
called is decided here too (``address_refusal``): only globally routable unicast addresses,
unless the operator allows private ones.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import SplitResult, urlsplit

from buurt.domain.changes import Changeable
from buurt.domain.errors import InvalidInput
from buurt.domain.parties import PartyKind

SIGNATURE_HEADER = "Buurt-Signature"
IDEMPOTENCY_HEADER = "Buurt-Idempotency-Key"
TOPIC_HEADER = "Buurt-Topic"
SIGNATURE_TOLERANCE = timedelta(minutes=5)
MAX_URL_LENGTH = 2000


class WebhookTopic(StrEnum):
    MOMENT_CREATED = "moment.created"
    MOMENT_CHANGED = "moment.changed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def new_secret() -> str:
    """A signing secret: 256 random bits, recognisable by its prefix."""
    return f"whsec_{secrets.token_urlsafe(32)}"


@dataclass
class WebhookEndpoint(Changeable):
    """Where a member or business wants moments posted, and which topics."""

    id: str
    owner_kind: PartyKind
    owner_id: str
    url: str
    topics: list[str]
    secret: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    active: bool = True
    disabled_reason: str | None = None

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"url", "topics", "description", "active"})

    def wants(self, topic: str) -> bool:
        return self.active and topic in self.topics


@dataclass
class WebhookDelivery:
    """One notification owed to one endpoint; its id is the idempotency key partners see."""

    id: str
    endpoint_id: str
    topic: str
    event_key: str
    payload: dict[str, Any]
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    # A worker's claim: until then the delivery is the claiming worker's to send (``claimed_by``
    # names it); a claim that runs out, as a crashed worker's does, is free for any worker.
    claimed_until: datetime | None = None
    claimed_by: str | None = None

    def succeeded(self, at: datetime, status_code: int) -> None:
        self._attempted(at, status_code, None)
        self.status = DeliveryStatus.DELIVERED
        self.delivered_at = at

    def gave_up(self, at: datetime, status_code: int | None, error: str) -> None:
        self._attempted(at, status_code, error)
        self.status = DeliveryStatus.FAILED

    def failed_attempt(
        self, at: datetime, status_code: int | None, error: str, rules: WebhookRules, jitter: float
    ) -> None:
        """Schedule the next attempt, or give up once the rules' attempts are spent."""
        self._attempted(at, status_code, error)
        if self.attempts >= rules.max_attempts:
            self.status = DeliveryStatus.FAILED
        else:
            self.next_attempt_at = at + rules.retry_delay(self.attempts, jitter)

    def retry_now(self, at: datetime) -> None:
        """Owner asked for it again: a fresh set of attempts, the same idempotency key."""
        self.status = DeliveryStatus.PENDING
        self.attempts = 0
        self.next_attempt_at = at
        self.delivered_at = None

    def _attempted(self, at: datetime, status_code: int | None, error: str | None) -> None:
        # The attempt is over and recorded: the next one is anyone's to claim.
        self.claimed_until = None
        self.claimed_by = None
        self.attempts += 1
        self.last_attempt_at = at
        self.last_status_code = status_code
        self.last_error = error


@dataclass(frozen=True)
class WebhookRules:
    """How deliveries are made: the operator's settings, in one value the services share."""

    allow_private: bool = False
    max_attempts: int = 8
    retry_base_seconds: float = 1.0
    retry_cap_seconds: float = 3600.0
    timeout_seconds: float = 10.0
    concurrency_per_endpoint: int = 4

    def retry_delay(self, attempts: int, jitter: float) -> timedelta:
        """1 s, 2 s, 4 s ... after the 1st, 2nd, 3rd failed attempt, capped, times ``jitter``.

        ``jitter`` is a random factor (the worker draws it from 0.8 to 1.2) so that endpoints
        that failed together do not all come back in the same second.
        """
        exponent = min(max(attempts - 1, 0), 62)
        delay = min(self.retry_cap_seconds, self.retry_base_seconds * 2**exponent)
        return timedelta(seconds=min(self.retry_cap_seconds, delay * jitter))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Buurt-Signature`` header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: datetime,
    tolerance: timedelta = SIGNATURE_TOLERANCE,
) -> bool:
    """Does ``header`` sign ``body`` with ``secret``, at a time within ``tolerance`` of now?"""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = sign(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


def address_refusal(address: str) -> str | None:
    """Why a webhook may not be sent to this IP address, or ``None`` if it may.

    IPv6 addresses that carry an IPv4 address (mapped, 6to4, Teredo, NAT64) are judged by the
    address they carry too, so ``::ffff:127.0.0.1`` is loopback as much as ``127.0.0.1``.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        for carried in _carried(ip):
            reason = address_refusal(str(carried))
            if reason:
                return reason
    checks = [
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private or special-purpose"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not globally routable"),
    ]
    return next((f"{ip} is a {reason} address" for refused, reason in checks if refused), None)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _carried(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    carried = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
    if ip in _NAT64:
        carried.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in carried if address is not None]


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart: what to resolve and where to connect."""

    url: str
    scheme: str
    host: str
    port: int


def parse_url(url: str, field_name: str = "url") -> Target:
    """Check the form of a webhook URL: absolute http(s), a host, no credentials, no fragment."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"a webhook URL has at most {MAX_URL_LENGTH} characters", field_name)
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidInput(f"{url!r} is not a valid URL: {error}", field_name) from error
    if parts.scheme not in ("http", "https"):
        raise InvalidInput("a webhook URL starts with http:// or https://", field_name)
    if not parts.hostname:
        raise InvalidInput("a webhook URL names a host", field_name)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("a webhook URL carries no user name or password", field_name)
    if parts.fragment:
        raise InvalidInput("a webhook URL has no #fragment", field_name)
    if any(ord(char) <= 32 or ord(char) == 127 for char in url):
        raise InvalidInput("a webhook URL has no spaces or control characters", field_name)
    default = 443 if parts.scheme == "https" else 80
    return Target(url, parts.scheme, parts.hostname, port or default)


def check_addresses(
    target: Target, addresses: list[str], rules: WebhookRules, field_name: str = "url"
) -> list[str]:
    """The addresses a host resolved to, if every one may be called; else ``InvalidInput``.

    Every address is checked, not just the first: a host that resolves to one public and one
    private address could be steered to the private one.
    """
    if not addresses:
        raise InvalidInput(f"the host {target.host!r} does not resolve", field_name)
    if rules.allow_private:
        return addresses
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise InvalidInput(
                f"webhooks are not sent to {target.host!r}: {reason}; only public addresses "
                "are allowed",
                field_name,
            )
    return addresses
