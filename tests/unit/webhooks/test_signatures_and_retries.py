"""Signing and verifying deliveries, and the retry schedule."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from buurt.domain.webhooks import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookRules,
    new_secret,
    sign,
    verify,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BODY = b'{"id":"dlv_1","topic":"moment.created"}'


def test_a_signature_verifies_with_its_secret_only() -> None:
    secret = new_secret()
    header = sign(secret, int(NOW.timestamp()), BODY)
    assert header.startswith(f"t={int(NOW.timestamp())},v1=")
    assert verify(secret, header, BODY, NOW)
    assert not verify(new_secret(), header, BODY, NOW)
    assert not verify(secret, header, BODY + b" ", NOW)


def test_a_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_test
    expected = "35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
    assert sign("whsec_test", 1700000000, b"{}") == f"t=1700000000,v1={expected}"


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_an_old_or_future_signature_is_refused(age: timedelta) -> None:
    secret = new_secret()
    header = sign(secret, int((NOW - age).timestamp()), BODY)
    assert not verify(secret, header, BODY, NOW)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=x,v1=abc", "t=1700000000"])
def test_a_malformed_signature_is_refused(header: str) -> None:
    assert not verify("whsec_test", header, BODY, NOW)


def test_during_a_rotation_either_listed_signature_verifies() -> None:
    old, new = new_secret(), new_secret()
    t = int(NOW.timestamp())
    header = f"{sign(new, t, BODY)},v1={sign(old, t, BODY).rpartition('v1=')[2]}"
    assert verify(old, header, BODY, NOW)
    assert verify(new, header, BODY, NOW)


def test_retries_back_off_exponentially_up_to_the_cap() -> None:
    rules = WebhookRules(retry_base_seconds=1, retry_cap_seconds=30)
    delays = [rules.retry_delay(n, 1.0).total_seconds() for n in range(1, 9)]
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert rules.retry_delay(3, 0.8).total_seconds() == pytest.approx(3.2)
    assert rules.retry_delay(500, 1.2).total_seconds() == 30


def test_a_delivery_fails_after_its_last_attempt() -> None:
    rules = WebhookRules(max_attempts=3, retry_base_seconds=1)
    delivery = WebhookDelivery("dlv_1", "whk_1", "moment.created", "k", {}, NOW, NOW)
    delivery.failed_attempt(NOW, 500, "answered 500", rules, 1.0)
    assert delivery.next_attempt_at == NOW + timedelta(seconds=1)
    delivery.failed_attempt(NOW, None, "timed out", rules, 1.0)
    assert delivery.next_attempt_at == NOW + timedelta(seconds=2)
    assert delivery.status is DeliveryStatus.PENDING
    delivery.failed_attempt(NOW, 502, "answered 502", rules, 1.0)
    assert delivery.status is DeliveryStatus.FAILED
    assert (delivery.attempts, delivery.last_status_code) == (3, 502)
    delivery.retry_now(NOW)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)


def test_the_documented_verification_accepts_our_signatures_only() -> None:
    """The Python example in docs/webhooks.md, run as a partner would run it."""
    doc = (Path(__file__).parents[3] / "docs" / "webhooks.md").read_text()
    [example] = [block for block in doc.split("```python\n")[1:] if "def verify" in block]
    namespace: dict[str, Any] = {}
    exec(example.split("```")[0], namespace)
    partner_verify = namespace["verify"]
    secret = new_secret()
    header = sign(secret, int(time.time()), BODY)
    assert partner_verify(secret, header, BODY)
    assert not partner_verify(new_secret(), header, BODY)
    assert not partner_verify(secret, header, BODY.replace(b"dlv_1", b"dlv_2"))
    stale = sign(secret, int(time.time()) - 600, BODY)
    assert not partner_verify(secret, stale, BODY)
