"""``POST /v1/auth/tokens`` and the login page answer 429 with ``Retry-After`` after 10 failed
logins in 5 minutes, per account and per client address (ASVS L2)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from buurt.bootstrap import Buurt
from buurt.services.context import Services
from buurt.web.app import create_app
from tests.actors import PASSWORD, World
from tests.e2e.pages.forms import submit
from tests.timeline import moving_clock

pytestmark = pytest.mark.frozen_clock


def _email(world: World) -> str:
    email: str = world.bob.get("/v1/members/me").json()["email"]
    return email


def _log_in(client: TestClient, email: str, password: str) -> Any:
    return client.post("/v1/auth/tokens", json={"email": email, "password": password})


def test_the_api_answers_429_after_ten_failures_then_lets_the_member_in(
    client: TestClient, world: World, services: Services
) -> None:
    email = _email(world)
    failures = [_log_in(client, email, "wrong password").status_code for _ in range(10)]

    refused = _log_in(client, email, PASSWORD)
    moving_clock(services).advance(minutes=5)
    later = _log_in(client, email, PASSWORD)

    assert failures == [401] * 10
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["Retry-After"] == "300"
    assert refused.json()["status"] == 429
    assert later.status_code == 201, later.text


def test_the_account_is_throttled_from_another_address_too(
    instance: Buurt, client: TestClient, world: World
) -> None:
    email = _email(world)
    for _ in range(10):
        assert _log_in(client, email, "wrong password").status_code == 401

    with TestClient(create_app(instance, workers=False), client=("192.0.2.7", 5000)) as other:
        refused = _log_in(other, email, PASSWORD)
        # Positive control: that address may log in to another account.
        admin = other.get("/v1/members/me", headers=world.admin.headers).json()["email"]
        allowed = _log_in(other, admin, PASSWORD)

    assert refused.status_code == 429, refused.text
    assert allowed.status_code == 201, allowed.text


def test_an_address_is_throttled_for_every_account(
    instance: Buurt, client: TestClient, world: World
) -> None:
    for n in range(10):
        assert _log_in(client, f"nobody{n}@example.org", "guess").status_code == 401

    refused = _log_in(client, _email(world), PASSWORD)
    with TestClient(create_app(instance, workers=False), client=("192.0.2.8", 5000)) as other:
        allowed = _log_in(other, _email(world), PASSWORD)

    assert refused.status_code == 429, refused.text
    assert allowed.status_code == 201, allowed.text


def test_the_login_page_says_when_to_try_again(client: TestClient, world: World) -> None:
    email = _email(world)
    client.headers["Accept-Language"] = "en"
    client.headers["Accept"] = "text/html"
    for _ in range(10):
        wrong = submit(client, "/login", {"email": email, "password": "nope", "next": "/"})
        assert wrong.status_code == 401
        assert "Wrong email or password" in wrong.text

    refused = submit(client, "/login", {"email": email, "password": PASSWORD, "next": "/"})

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "300"
    assert "Too many failed logins. Try again in 5 minutes" in refused.text
    assert "buurt_session" not in refused.cookies


def test_the_page_and_the_api_share_the_count(client: TestClient, world: World) -> None:
    email = _email(world)
    for _ in range(10):
        assert _log_in(client, email, "wrong password").status_code == 401
    client.headers["Accept"] = "text/html"

    refused = submit(client, "/login", {"email": email, "password": PASSWORD, "next": "/"})

    assert refused.status_code == 429
