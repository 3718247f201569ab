"""Signing up, confirming the address, and resetting a forgotten password, through the pages,
with mail going through a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from buurt.bootstrap import Buurt, build
from buurt.web.app import create_app
from tests.e2e.pages.forms import csrf_of, submit
from tests.instances import settings_for
from tests.mail import Inbox, link_in, smtp_server
from tests.timeline import MovingClock

pytestmark = pytest.mark.frozen_clock()
PASSWORD = "a long good password"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def instance(database_url: str, clock: MovingClock, inbox: Inbox) -> Iterator[Buurt]:
    built = build(settings_for(database_url, mail_url=inbox.url), clock=clock)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def client(instance: Buurt) -> Iterator[TestClient]:
    with TestClient(create_app(instance, workers=False)) as test_client:
        test_client.headers["Accept-Language"] = "en"
        yield test_client


def _sign_up(client: TestClient, email: str, name: str = "Fatima") -> object:
    return submit(
        client, "/signup", {"name": name, "email": email, "password": PASSWORD}, page="/signup"
    )


def test_a_resident_signs_up_confirms_by_mail_and_logs_in(client: TestClient, inbox: Inbox) -> None:
    done = _sign_up(client, "fatima@example.org")
    assert done.status_code == 200, done.text  # type: ignore[attr-defined]
    assert "Check your mail" in done.text  # type: ignore[attr-defined]
    mail = inbox.to("fatima@example.org")
    assert mail["Subject"] == "Confirm your address for Buurt"
    me = client.post("/v1/auth/tokens", json={"email": "fatima@example.org", "password": PASSWORD})
    token = me.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/members/me", headers=headers).json()["name"] == "Fatima"

    confirmed = client.get(link_in(mail, "/confirm"))
    assert confirmed.status_code == 200
    assert "Your address is confirmed" in confirmed.text
    again = client.get(link_in(mail, "/confirm"))
    assert again.status_code == 400  # a link works once
    login = submit(
        client, "/login", {"email": "fatima@example.org", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )  # fmt: skip
    assert login.status_code == 303


def test_the_mail_speaks_the_language_of_the_sign_up(client: TestClient, inbox: Inbox) -> None:
    client.headers["Accept-Language"] = "nl"
    _sign_up(client, "joost@example.org", "Joost")
    mail = inbox.to("joost@example.org")
    assert mail["Subject"] == "Bevestig je adres voor Buurt"
    assert "Hallo Joost" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_signing_up_again_tells_nothing_and_mails_nothing_new(
    client: TestClient, inbox: Inbox, clock: MovingClock
) -> None:
    _sign_up(client, "noor@example.org")
    confirmed = client.get(link_in(inbox.to("noor@example.org"), "/confirm"))
    assert confirmed.status_code == 200
    clock.advance(minutes=5)
    twice = _sign_up(client, "noor@example.org", "Someone else")
    assert twice.status_code == 200  # type: ignore[attr-defined]
    assert "Check your mail" in twice.text  # type: ignore[attr-defined]
    assert inbox.count("noor@example.org") == 1  # a confirmed address gets no second link


def test_a_forgotten_password_is_reset_once_and_ends_every_session(
    client: TestClient, inbox: Inbox, clock: MovingClock
) -> None:
    _sign_up(client, "sam@example.org", "Sam")
    old = client.post("/v1/auth/tokens", json={"email": "sam@example.org", "password": PASSWORD})
    old_headers = {"Authorization": f"Bearer {old.json()['token']}"}
    unknown = submit(client, "/forgot", {"email": "nobody@example.org"}, page="/forgot")
    asked = submit(client, "/forgot", {"email": "sam@example.org"}, page="/forgot")
    assert unknown.status_code == asked.status_code == 200
    assert "If nobody@example.org has an account" in unknown.text
    assert inbox.count("nobody@example.org") == 0
    link = link_in(inbox.to("sam@example.org"), "/reset")
    token = link.split("token=")[1]
    form = client.get(link)
    assert 'name="token"' in form.text

    different = submit(
        client, "/reset", {"token": token, "password": "new password 1", "again": "other"},
        page=link,
    )  # fmt: skip
    assert different.status_code == 422
    done = submit(
        client, "/reset",
        {"token": token, "password": "new password 1", "again": "new password 1"}, page=link,
    )  # fmt: skip
    assert done.status_code == 200, done.text
    assert client.get("/v1/members/me", headers=old_headers).status_code == 401
    new = {"email": "sam@example.org", "password": "new password 1"}
    assert client.post("/v1/auth/tokens", json=new).status_code == 201
    assert client.post("/v1/auth/tokens", json={**new, "password": PASSWORD}).status_code == 401
    reused = submit(
        client, "/reset",
        {"token": token, "password": "new password 2", "again": "new password 2"}, page=link,
    )  # fmt: skip
    assert reused.status_code == 422  # once only


def test_a_reset_link_expires_and_mails_are_spaced(
    client: TestClient, inbox: Inbox, clock: MovingClock
) -> None:
    _sign_up(client, "lea@example.org", "Lea")
    submit(client, "/forgot", {"email": "lea@example.org"}, page="/forgot")
    submit(client, "/forgot", {"email": "lea@example.org"}, page="/forgot")  # within a minute
    assert (
        sum(1 for m in inbox.messages if "password" in str(m["Subject"]) and "lea@" in str(m["To"]))
        == 1
    )
    link = link_in(inbox.to("lea@example.org"), "/reset")
    clock.advance(hours=1, seconds=1)
    late = submit(
        client, "/reset",
        {"token": link.split("token=")[1], "password": "new password 1",
         "again": "new password 1"}, page=link,
    )  # fmt: skip
    assert late.status_code == 422
    clock.advance(minutes=1)
    submit(client, "/forgot", {"email": "lea@example.org"}, page="/forgot")
    fresh = link_in(inbox.to("lea@example.org"), "/reset")
    assert fresh != link  # a new link after the pause


def test_a_sign_up_form_needs_its_token(client: TestClient) -> None:
    body = {"name": "X", "email": "x@example.org", "password": PASSWORD}
    assert client.post("/signup", data=body).status_code == 403
    assert (
        client.post("/signup", data={**body, "csrf": csrf_of(client, "/signup")}).status_code == 200
    )


def test_without_a_mail_server_the_mail_goes_to_a_folder(database_url: str) -> None:
    settings = settings_for(database_url)
    instance = build(settings)
    try:
        with TestClient(create_app(instance, workers=False)) as client:
            submit(client, "/signup", {"name": "Ivo", "email": "ivo@example.org",
                   "password": PASSWORD}, page="/signup")  # fmt: skip
        written = list(settings.mail_folder.glob("*.eml"))
        assert len(written) == 1
        assert b"ivo@example.org" in written[0].read_bytes()
    finally:
        instance.close()
